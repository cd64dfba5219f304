import Foundation
import HTTPTypes
import Registry
import ServiceKit
import TestSupport
import Testing
import Treatment

/// Legal regimes as data: both shipped regimes listed with their marks, the regime in force
/// chosen by date, durations that depend on form, age and occurrence, and a next regime added by
/// an administrator without a code change.
@Suite("Treatment: legal regimes", .timeLimit(.minutes(2)))
struct RegimeTests {
    static let next = #"""
        {"name":"law-next-2030","title":"A later law","effectiveFrom":"2030-01-01",
         "durations":[{"measure":"management","minimumMonths":12,"maximumMonths":12,"rule":"Art. 1","provenance":"enacted"},
                      {"measure":"treatment","form":"compulsory","minimumMonths":18,"maximumMonths":30,"rule":"Art. 2","provenance":"enacted"}],
         "termReductions":[],"stages":[{"form":"compulsory","required":5,"rule":"Art. 3","provenance":"enacted"}],
         "registrationDeadline":{"value":5,"rule":"Art. 4","provenance":"enacted"},
         "addictionCriteria":{"value":3,"rule":"Art. 5","provenance":"enacted"},"deciders":[]}
        """#

    @Test func regimesAreListedChosenByDateAndAnswerDurationsWithTheirRule() async throws {
        try await PeopleTests.withRegistry("regimes") { _, tokens, database in
            try await ServiceHarness.withService(TreatmentService.descriptor, database: database) { treatment in
                let officer = tokens["commune00004"]
                let list = try await treatment.call(.get, "/v1/regimes", token: officer)
                let items = try #require(list.json["items"] as? [[String: Any]], "\(list.body)")
                #expect(items.compactMap { ($0["regime"] as? [String: Any])?["name"] as? String } == ["law-73-2021", "law-120-2025"])
                #expect(items.map { $0["lastDay"] as? String } == ["2026-06-30", nil] && items.allSatisfy { $0["shipped"] as? Bool == true })
                #expect(list.body.contains(#""provenance":"reported""#) && list.body.contains(#""provenance":"carried_over""#))

                func inForce(_ day: String) async throws -> String? {
                    let reply = try await treatment.call(.get, "/v1/regimes/in-force?on=\(day)", token: officer)
                    return (reply.json["regime"] as? [String: Any])?["name"] as? String
                }
                #expect(try await inForce("2026-06-30") == "law-73-2021")
                #expect(try await inForce("2026-07-01") == "law-120-2025")
                #expect(try await treatment.call(.get, "/v1/regimes/in-force?on=2021-12-31", token: officer).status == 404)

                func duration(_ query: String) async throws -> String {
                    let reply = try await treatment.call(.get, "/v1/regimes/durations?\(query)", token: officer)
                    guard reply.status == 200 else { return "\(reply.status)" }
                    let json = reply.json
                    return "\(json["regime"]!) \(json["minimumMonths"]!)-\(json["maximumMonths"]!) \(json["provenance"]!)"
                }
                #expect(try await duration("on=2025-03-01&measure=treatment&form=voluntary_community") == "law-73-2021 6-12 enacted")
                #expect(try await duration("on=2025-03-01&measure=treatment&form=compulsory&age=16") == "law-73-2021 6-12 enacted")
                #expect(try await duration("on=2025-03-01&measure=treatment&form=compulsory&age=30") == "law-73-2021 12-24 enacted")
                #expect(try await duration("on=2025-03-01&measure=aftercare&form=compulsory&age=30") == "law-73-2021 24-24 enacted")
                #expect(
                    try await duration("on=2026-08-01&measure=treatment&form=compulsory&age=30&occurrence=first") == "law-120-2025 24-24 reported")
                #expect(
                    try await duration("on=2026-08-01&measure=treatment&form=voluntary_community&occurrence=repeat") == "law-120-2025 36-36 reported")
                #expect(try await duration("on=2026-08-01&measure=aftercare&form=compulsory&age=16") == "law-120-2025 12-12 carried_over")
                // Substitution therapy has no term under either regime: the answer says so.
                #expect(try await duration("on=2026-08-01&measure=treatment&form=methadone&occurrence=first") == "404")
                #expect(try await duration("measure=forever") == "422")
            }
        }
    }

    @Test func anAdministratorAddsTheNextRegimeAndNobodyChangesThePast() async throws {
        try await PeopleTests.withRegistry("regimes_added") { _, tokens, database in
            try await ServiceHarness.withService(TreatmentService.descriptor, database: database) { treatment in
                let admin = tokens["admin1"]
                #expect(try await treatment.call(.post, "/v1/regimes", token: tokens["commune00004"], json: Self.next).status == 403)
                let upsideDown = Self.next.replacingOccurrences(
                    of: #""minimumMonths":18,"maximumMonths":30"#, with: #""minimumMonths":30,"maximumMonths":18"#)
                let refused = try await treatment.call(.post, "/v1/regimes", token: admin, json: upsideDown)
                #expect(refused.status == 422 && refused.fieldProblems["/durations/1"] != nil, "\(refused.body)")
                let misspelt = Self.next.replacingOccurrences(of: #""value":5,"#, with: #""value":5,"days":5,"#)
                let unknown = try await treatment.call(.post, "/v1/regimes", token: admin, json: misspelt)
                #expect(unknown.status == 422 && unknown.fieldProblems["/registrationDeadline/days"] != nil, "\(unknown.body)")
                let past = Self.next.replacingOccurrences(of: "2030-01-01", with: "2026-01-01")
                let backwards = try await treatment.call(.post, "/v1/regimes", token: admin, json: past)
                #expect(backwards.status == 422 && backwards.fieldProblems["/effectiveFrom"] != nil, "\(backwards.body)")

                let between = Self.next.replacingOccurrences(of: "law-next-2030", with: "law-between").replacingOccurrences(
                    of: "2030-01-01", with: "2029-01-01")
                #expect(try await treatment.call(.post, "/v1/regimes", token: admin, json: between).status == 201)
                let added = try await treatment.call(.post, "/v1/regimes", token: admin, json: Self.next)
                #expect(added.status == 201, "\(added.body)")
                let again = try await treatment.call(.post, "/v1/regimes", token: admin, json: Self.next)
                #expect(again.status == 409, "\(again.body)")
                // Only after the latest: a regime slipped in before it would change what it judges.
                let slipped = Self.next.replacingOccurrences(of: "law-next-2030", with: "law-too-late").replacingOccurrences(
                    of: "2030-01-01", with: "2029-06-01")
                let order = try await treatment.call(.post, "/v1/regimes", token: admin, json: slipped)
                #expect(order.status == 409 && order.json["type"] as? String == "https://recovery.gov.vn/problems/regime-order", "\(order.body)")

                let list = try await treatment.call(.get, "/v1/regimes", token: admin)
                let items = (list.json["items"] as? [[String: Any]]) ?? []
                #expect(
                    items.map { "\(($0["regime"] as? [String: Any])?["name"] ?? "?") \($0["lastDay"] ?? "-")" } == [
                        "law-73-2021 2026-06-30", "law-120-2025 2028-12-31", "law-between 2029-12-31", "law-next-2030 -",
                    ], "\(list.body)")
                let answer = try await treatment.call(
                    .get, "/v1/regimes/durations?on=2030-02-01&measure=treatment&form=compulsory&age=40", token: admin)
                #expect(answer.json["regime"] as? String == "law-next-2030" && answer.json["maximumMonths"] as? Int == 30, "\(answer.body)")
            }
        }
    }
}
