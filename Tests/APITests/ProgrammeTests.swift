import Foundation
import HTTPTypes
import Postgres
import Registry
import TestSupport
import Testing

@Suite("Registry: community programmes", .timeLimit(.minutes(2)))
struct ProgrammeTests {
    @Test func communesRecordTheirProgrammesAndTheIndicatorsLearnOfThemWithoutNames() async throws {
        try await PeopleTests.withRegistry("programmes") { registry, tokens, database in
            let officer = tokens["commune00004"]
            let campaign = try await registry.call(
                .post, "/v1/programmes/campaign", token: officer,
                json: #"{"communeCode":"00004","heldOn":"2026-06-26","topic":"Ngày toàn dân phòng, chống ma túy","peopleReached":350}"#)
            #expect(campaign.status == 201, "\(campaign.body)")
            let model = try await registry.call(
                .post, "/v1/programmes/aftercare-model", token: officer,
                json: #"{"communeCode":"00004","model":"Quản lý sau cai tại cộng đồng dựa vào gia đình","since":"2025-09-01"}"#)
            #expect(model.status == 201)
            let group = try await registry.call(
                .post, "/v1/programmes/group", token: officer,
                json:
                    #"{"communeCode":"00004","groupType":"club","name":"CLB B93 phường Ba Đình","foundedOn":"2024-03-01","members":[{"name":"Đỗ Văn Thành","role":"chủ nhiệm"},{"name":"Lê Thị Hoa"}]}"#
            )
            #expect(group.status == 201)
            let recognition = try await registry.call(
                .post, "/v1/programmes/drug-free", token: tokens["province01"],
                json: #"{"communeCode":"00004","year":2025,"decisionNumber":"1234/QĐ-UBND","decidedOn":"2025-12-20"}"#)
            #expect(recognition.status == 201)
            let again = try await registry.call(
                .post, "/v1/programmes/drug-free", token: tokens["province01"],
                json: #"{"communeCode":"00004","year":2025,"decisionNumber":"9/QĐ","decidedOn":"2025-12-21"}"#)
            #expect(again.status == 409)
            let training = try await registry.call(
                .post, "/v1/programmes/training", token: officer,
                json: #"{"communeCode":"00004","traineeName":"Phạm Minh Tuấn","course":"Tư vấn điều trị nghiện","trainedOn":"2026-04-10","hours":40}"#
            )
            #expect(training.status == 201)

            // Checked field by field; only in one's own jurisdiction; unknown kinds are not found.
            let invalid = try await registry.call(
                .post, "/v1/programmes/campaign", token: officer,
                json: #"{"communeCode":"00004","heldOn":"2030-01-01","peopleReached":-5,"venue":"x"}"#)
            #expect(invalid.status == 422)
            let pointers = Set((invalid.json["errors"] as? [[String: Any]] ?? []).compactMap { $0["pointer"] as? String })
            #expect(pointers.isSuperset(of: ["/heldOn", "/topic", "/peopleReached", "/venue"]))
            let foreign = try await registry.call(
                .post, "/v1/programmes/campaign", token: tokens["commune00097"],
                json: #"{"communeCode":"00004","heldOn":"2026-06-26","topic":"x","peopleReached":1}"#)
            #expect(foreign.status == 403)
            #expect(try await registry.call(.post, "/v1/programmes/party", token: officer, json: "{}").status == 404)

            let listed = try await registry.call(.get, "/v1/programmes/campaign?from=2026-01-01", token: tokens["province01"])
            #expect((listed.json["items"] as? [[String: Any]])?.count == 1)
            let elsewhere = try await registry.call(.get, "/v1/programmes/campaign", token: tokens["province79"])
            #expect((elsewhere.json["items"] as? [[String: Any]])?.count == 0)
            let groups = try await registry.call(.get, "/v1/programmes/group", token: officer)
            let details = (groups.json["items"] as? [[String: Any]])?.first?["details"] as? [String: Any]
            #expect((details?["members"] as? [[String: Any]])?.count == 2)

            let admin = try await database.connect()
            let payloads = try await admin.query(
                "SELECT payload::text FROM bus.events WHERE type = 'registry.programme.recorded' ORDER BY id"
            ).map { try $0.decode(String.self, at: 0) }
            await admin.close()
            #expect(payloads.count == 5)
            #expect(payloads[0].contains(#""count": 350"#))
            #expect(payloads[2].contains(#""count": 2"#) && payloads[2].contains(#""groupType": "club""#))
            #expect(payloads[3].contains(#""year": 2025"#))
            for name in ["Đỗ Văn Thành", "Lê Thị Hoa", "Phạm Minh Tuấn"] {
                #expect(!payloads.joined().contains(name))
            }
        }
    }
}
