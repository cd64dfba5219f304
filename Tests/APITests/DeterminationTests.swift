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
                    .post, path, token: tokens["admin1"], json: Self.determination("2026-08-10", ["craving", "withdrawal", "harmful_use"]))
                #expect(positive.status == 201 && positive.json["positive"] as? Bool == true, "\(positive.body)")
                let deadline = positive.json["registrationDeadline"] as? [String: Any]
                #expect(deadline?["workingDays"] as? Int == 5 && deadline?["provenance"] as? String == "carried_over", "\(positive.body)")
                // Monday 10 August: the fifth working day after it is Monday 17 August.
                #expect(deadline?["dueOn"] as? String == "2026-08-17", "\(positive.body)")
                // Under the earlier regime, the same rule as enacted; the days of Tết do not count
                // (Thursday 12 February: Friday 13, then 23 to 26 February).
                let older = try await treatment.call(
                    .post, path, token: tokens["commune00004"],
                    json: Self.determination("2026-02-12", ["craving", "withdrawal", "tolerance", "neglect"]))
                #expect(older.json["regime"] as? String == "law-73-2021", "\(older.body)")
                let olderDeadline = older.json["registrationDeadline"] as? [String: Any]
                #expect(olderDeadline?["provenance"] as? String == "enacted" && olderDeadline?["dueOn"] as? String == "2026-02-26", "\(older.body)")

                let listed = try await treatment.call(.get, path, token: tokens["commune00004"])
                #expect(
                    (listed.json["items"] as? [[String: Any]])?.compactMap { $0["determinedOn"] as? String } == [
                        "2026-08-10", "2026-08-03", "2026-02-12",
                    ])

                // The registry follows: addicted from the day of the positive determination.
                func status(on day: String) async throws -> String? {
                    try await registry.call(.get, "/v1/people/\(id)/status?on=\(day)", token: tokens["commune00004"]).json["status"] as? String
                }
                let deadlineToWait = ContinuousClock.now + .seconds(20)
                // The three events are applied in order: wait for the last (the earliest day).
                while try await status(on: "2026-02-12") != "addicted", ContinuousClock.now < deadlineToWait {
                    try await Task.sleep(for: .milliseconds(100))
                }
                #expect(try await status(on: "2026-08-10") == "addicted")
                // Addicted since the first positive determination, not before.
                #expect(try await status(on: "2026-02-12") == "addicted")
                #expect(try await status(on: "2026-02-11") == nil)
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
                // Province officers read, but do not record.
                #expect(try await treatment.call(.post, path, token: tokens["province01"], json: body).status == 403)
                #expect(try await treatment.call(.get, path, token: tokens["province01"]).status == 200)
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

    /// The working-day calendar is data: read by anyone, kept by admins as each year's days are
    /// announced, and a deadline counts what it says.
    @Test func theCalendarIsReadByAnyoneAndKeptByAdmins() async throws {
        try await PeopleTests.withRegistry("calendar") { registry, tokens, database in
            let id = try PeopleTests.id(try await registry.call(.post, "/v1/people", token: tokens["commune00004"], json: PeopleTests.anh))
            try await ServiceHarness.withService(TreatmentService.descriptor, database: database) { treatment in
                let year = try await treatment.call(.get, "/v1/calendar?year=2026", token: tokens["commune00004"])
                let days = (year.json["items"] as? [[String: Any]] ?? []).compactMap { $0["day"] as? String }
                #expect(days.contains("2026-02-17") && days.contains("2026-09-02") && !days.contains("2025-01-01"), "\(year.body)")
                let body = #"{"working":false,"name":"Quốc khánh (ngày liền kề)"}"#
                #expect(try await treatment.call(.put, "/v1/calendar/2026-09-01", token: tokens["commune00004"], json: body).status == 403)
                #expect(try await treatment.call(.put, "/v1/calendar/2026-9-1", token: tokens["admin1"], json: body).status == 404)
                #expect(try await treatment.call(.put, "/v1/calendar/2026-09-01", token: tokens["admin1"], json: body).status == 204)
                // Friday 28 August: Monday 31 August, then 1 and 2 September off: Thursday 3,
                // Friday 4, Monday 7 and Tuesday 8 September.
                let made = try await treatment.call(
                    .post, "/v1/people/\(id)/determinations", token: tokens["commune00004"],
                    json: Self.determination("2026-08-28", ["craving", "withdrawal", "tolerance"]))
                #expect((made.json["registrationDeadline"] as? [String: Any])?["dueOn"] as? String == "2026-09-08", "\(made.body)")
            }
        }
    }
}
