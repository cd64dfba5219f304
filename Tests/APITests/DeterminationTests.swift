import Foundation
import HTTPTypes
import Postgres
import Registry
import ServiceKit
import TestSupport
import Testing
import Treatment

/// Determinations of addiction: the result follows from the criteria met under the regime in
/// force that day; a positive one makes the person `addicted` in the registry and starts the
/// registration deadline; only officers whose jurisdiction covers the person record or read them.
@Suite("Treatment: determinations of addiction", .timeLimit(.minutes(2)))
struct DeterminationTests {
    static func determination(_ day: String, _ criteria: [String]) -> String {
        let list = criteria.map { "\"\($0)\"" }.joined(separator: ",")
        return #"{"determinedOn":"\#(day)","doctor":"BS. Trần Thị Mai","healthFacility":"Trung tâm Y tế quận Ba Đình","criteria":[\#(list)]}"#
    }

    @Test func aPositiveDeterminationMakesThePersonAddictedAndStartsTheDeadline() async throws {
        try await PeopleTests.withRegistry("determinations") { registry, tokens, database in
            let id = try PeopleTests.id(try await registry.call(.post, "/v1/people", token: tokens["commune00004"], json: PeopleTests.anh))
            try await ServiceHarness.withService(TreatmentService.descriptor, database: database) { treatment in
                let path = "/v1/people/\(id)/determinations"
                // Two criteria: negative; nothing changes in the registry.
                let negative = try await treatment.call(
                    .post, path, token: tokens["commune00004"], json: Self.determination("2026-08-03", ["craving", "tolerance"]))
                #expect(negative.status == 201 && negative.json["positive"] as? Bool == false, "\(negative.body)")
                #expect(negative.json["registrationDeadline"] == nil && negative.json["regime"] as? String == "law-120-2025")
                // Three: positive, with the deadline the regime sets.
                let positive = try await treatment.call(
                    .post, path, token: tokens["province01"], json: Self.determination("2026-08-10", ["craving", "withdrawal", "harmful_use"]))
                #expect(positive.status == 201 && positive.json["positive"] as? Bool == true, "\(positive.body)")
                let deadline = positive.json["registrationDeadline"] as? [String: Any]
                #expect(deadline?["workingDays"] as? Int == 5 && deadline?["provenance"] as? String == "carried_over", "\(positive.body)")
                // Under the earlier regime, the same rule as enacted.
                let older = try await treatment.call(
                    .post, path, token: tokens["commune00004"],
                    json: Self.determination("2025-05-05", ["craving", "withdrawal", "tolerance", "neglect"]))
                #expect(older.json["regime"] as? String == "law-73-2021", "\(older.body)")
                #expect((older.json["registrationDeadline"] as? [String: Any])?["provenance"] as? String == "enacted")

                let listed = try await treatment.call(.get, path, token: tokens["commune00004"])
                #expect(
                    (listed.json["items"] as? [[String: Any]])?.compactMap { $0["determinedOn"] as? String } == [
                        "2026-08-10", "2026-08-03", "2025-05-05",
                    ])

                // The registry follows: addicted from the day of the positive determination.
                func status(on day: String) async throws -> String? {
                    try await registry.call(.get, "/v1/people/\(id)/status?on=\(day)", token: tokens["commune00004"]).json["status"] as? String
                }
                let deadlineToWait = ContinuousClock.now + .seconds(20)
                // The three events are applied in order: wait for the last (the earliest day).
                while try await status(on: "2025-05-05") != "addicted", ContinuousClock.now < deadlineToWait {
                    try await Task.sleep(for: .milliseconds(100))
                }
                #expect(try await status(on: "2026-08-10") == "addicted")
                // Addicted since the first positive determination, not before.
                #expect(try await status(on: "2025-05-05") == "addicted")
                #expect(try await status(on: "2025-05-04") == nil)
                // The events carry no doctor and no criteria by name.
                let admin = try await database.connect()
                let payloads = try await admin.query(
                    "SELECT payload::text FROM bus.events WHERE type = 'treatment.determination.recorded' ORDER BY id"
                ).map { try $0.decode(String.self, at: 0) }
                await admin.close()
                #expect(payloads.count == 3 && payloads.allSatisfy { !$0.contains("Mai") && !$0.contains("craving") }, "\(payloads)")
            }
        }
    }

    @Test func onlyTheJurisdictionRecordsAndBadInputIsNamed() async throws {
        try await PeopleTests.withRegistry("determinations_scope") { registry, tokens, database in
            let id = try PeopleTests.id(try await registry.call(.post, "/v1/people", token: tokens["commune00004"], json: PeopleTests.anh))
            try await ServiceHarness.withService(TreatmentService.descriptor, database: database) { treatment in
                let path = "/v1/people/\(id)/determinations"
                let body = Self.determination("2026-08-03", ["craving", "tolerance", "withdrawal"])
                #expect(try await treatment.call(.post, path, token: tokens["commune00097"], json: body).status == 404)
                #expect(try await treatment.call(.get, path, token: tokens["province79"]).status == 404)
                #expect(try await treatment.call(.post, "/v1/people/\(UUID())/determinations", token: tokens["admin1"], json: body).status == 404)
                let bad = try await treatment.call(
                    .post, path, token: tokens["commune00004"],
                    json: #"{"determinedOn":"2099-01-01","doctor":"","healthFacility":"x","criteria":["craving","telepathy"]}"#)
                #expect(bad.status == 422, "\(bad.body)")
                #expect(
                    Set(bad.fieldProblems.keys) == ["/determinedOn", "/doctor", "/criteria/1"]
                        && bad.fieldProblems["/criteria/1"]?.hasPrefix("must be one of craving") == true, "\(bad.body)")
                let admin = try await database.connect()
                let stored = try await admin.query("SELECT count(*) FROM treatment.determinations")[0].decode(Int.self, at: 0)
                await admin.close()
                #expect(stored == 0)
            }
        }
    }
}
