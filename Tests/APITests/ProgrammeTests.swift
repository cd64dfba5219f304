import Foundation
import HTTPTypes
import Postgres
import Registry
import Statistics
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

    @Test func theShareOfStaffTrainedIsTrainingRecordsOverTheDeclaredWorkforce() async throws {
        try await PeopleTests.withRegistry("programmes_staff") { registry, tokens, database in
            let officer = tokens["province01"]
            func record(_ kind: String, _ body: String) async throws {
                let reply = try await registry.call(.post, "/v1/programmes/\(kind)", token: officer, json: body)
                #expect(reply.status == 201, "\(kind) \(body): \(reply.body)")
            }
            // Ba Đình declares 4 workers for 2025, then corrects it to 5; Ngọc Hà declares 5.
            try await record("workforce", #"{"communeCode":"00004","year":2025,"workers":4,"declaredOn":"2025-02-01"}"#)
            try await record("workforce", #"{"communeCode":"00004","year":2025,"workers":5,"declaredOn":"2025-03-01"}"#)
            try await record("workforce", #"{"communeCode":"00008","year":2025,"workers":5,"declaredOn":"2025-01-15"}"#)
            // Two trained in Ba Đình in 2025 (one more in 2024, another year), one in Ngọc Hà.
            for (commune, day) in [("00004", "2025-04-10"), ("00004", "2025-05-10"), ("00004", "2024-12-01"), ("00008", "2025-06-01")] {
                try await record(
                    "training", #"{"communeCode":"\#(commune)","traineeName":"Trần Văn An","course":"Tư vấn","trainedOn":"\#(day)"}"#)
            }
            let refused = try await registry.call(
                .post, "/v1/programmes/workforce", token: officer, json: #"{"communeCode":"00004","year":1999,"workers":-1}"#)
            #expect(refused.status == 422 && Set(refused.fieldProblems.keys).isSuperset(of: ["/year", "/workers", "/declaredOn"]))

            try await ServiceHarness.withService(StatisticsService.descriptor, database: database) { statistics in
                let path = "/v1/indicators/staff_trained_share/values?areaCode=01&groupBy=commune&from=2025-01-01&to=2025-12-31"
                var items: [[String: Any]] = []
                let deadline = ContinuousClock.now + .seconds(20)
                while items.count < 2, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(100))
                    items = (try await statistics.call(.get, path, token: officer).json["items"] as? [[String: Any]]) ?? []
                    if items.reduce(0, { $0 + ($1["numerator"] as? Int ?? 0) }) < 3 { items = [] }
                }
                let byCommune = Dictionary(uniqueKeysWithValues: items.map { ($0["areaCode"] as? String ?? "", $0) })
                // 2 of the 5 declared (the later declaration replaces the earlier), 1 of 5; no other commune has a row.
                #expect(byCommune.count == 2, "\(items)")
                #expect(byCommune["00004"]?["numerator"] as? Int == 2 && byCommune["00004"]?["denominator"] as? Int == 5)
                #expect(byCommune["00004"]?["value"] as? Double == 40)
                #expect(byCommune["00008"]?["value"] as? Double == 20)
                let province = try await statistics.call(
                    .get, "/v1/indicators/staff_trained_share/values?areaCode=01&from=2025-01-01&to=2025-12-31", token: officer)
                let row = (province.json["items"] as? [[String: Any]])?.first
                #expect(row?["numerator"] as? Int == 3 && row?["denominator"] as? Int == 10 && row?["value"] as? Double == 30, "\(province.body)")
                // In February only the first declaration (4) was made, and nobody was trained yet.
                let february = try await statistics.call(
                    .get, "/v1/indicators/staff_trained_share/values?areaCode=00004&from=2025-02-01&to=2025-02-28&period=month", token: officer)
                let first = (february.json["items"] as? [[String: Any]])?.first
                #expect(first?["numerator"] as? Int == 0 && first?["denominator"] as? Int == 4 && first?["value"] as? Double == 0, "\(february.body)")
            }
        }
    }
}
