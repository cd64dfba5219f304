import Foundation
import HTTPTypes
import Postgres
import Registry
import ServiceKit
import Statistics
import TestSupport
import Testing
import Treatment

/// Treatment counted by the statistics service from the treatment service's events only: a
/// scripted path (a positive determination, treatment at family or community completed, after-care,
/// a relapse) appears in `GET /v1/statistics/treatment` for the commune, counts that are small
/// suppressed for another agency's key.
@Suite("Statistics: treatment counted from the treatment service's events", .timeLimit(.minutes(3)))
struct StatisticsTreatmentTests {
    @Test func aScriptedPathIsCountedWhereItHappened() async throws {
        try await PeopleTests.withRegistry("statistics_treatment") { registry, tokens, database in
            let commune = tokens["commune00004"]
            let person = try PeopleTests.id(try await registry.call(.post, "/v1/people", token: commune, json: PeopleTests.anh))
            try await ServiceHarness.withService(TreatmentService.descriptor, database: database) { treatment in
                try await ServiceHarness.withService(StatisticsService.descriptor, database: database) { statistics in
                    _ = try await treatment.call(
                        .post, "/v1/people/\(person)/determinations", token: commune,
                        json: DeterminationTests.determination("2025-01-02", ["craving", "withdrawal", "tolerance"]))
                    let opened = try await treatment.call(
                        .post, "/v1/people/\(person)/episodes", token: commune, json: EpisodeTests.community(start: "2025-01-06", end: "2025-07-05"))
                    let episode = try #require(opened.json["id"] as? String, "\(opened.body)")
                    _ = try await treatment.call(.post, "/v1/episodes/\(episode)/start", token: commune, json: #"{"on":"2025-01-06"}"#)
                    for (stage, day) in [("intake", "2025-01-07"), ("detoxification", "2025-02-01"), ("counselling", "2025-04-01")] {
                        _ = try await treatment.call(
                            .post, "/v1/episodes/\(episode)/stages", token: commune, json: #"{"stage":"\#(stage)","completedOn":"\#(day)"}"#)
                    }
                    _ = try await treatment.call(
                        .post, "/v1/episodes/\(episode)/end", token: commune, json: #"{"reason":"completed","on":"2025-07-05"}"#)
                    let relapse = try await treatment.call(
                        .post, "/v1/people/\(person)/tests", token: commune,
                        json: #"{"testedOn":"2025-10-01","method":"urine","substances":["heroin"],"positive":true}"#)
                    #expect(relapse.json["relapseId"] is String, "\(relapse.body)")

                    let path = "/v1/statistics/treatment?from=2025-01-01&to=2025-12-31&areaCode=00004"
                    func measures(_ reply: ServiceClient.Reply) -> [String: Int?] {
                        var found: [String: Int?] = [:]
                        for item in (reply.json["items"] as? [[String: Any]]) ?? [] {
                            let key = [item["measure"] as? String, item["form"] as? String].compactMap { $0 }.joined(separator: "/")
                            found[key] = item["count"] as? Int
                        }
                        return found
                    }
                    let deadline = ContinuousClock.now + .seconds(20)
                    var reply = try await statistics.call(.get, path, token: tokens["admin1"])
                    // Until the relapse and the after-care it ended are both counted (two events, which
                    // the consumer may apply in different batches).
                    while measures(reply)["relapses"] == nil || measures(reply)["in_aftercare_on_last_day"] != nil, ContinuousClock.now < deadline {
                        try await Task.sleep(for: .milliseconds(200))
                        reply = try await statistics.call(.get, path, token: tokens["admin1"])
                    }
                    let counted = measures(reply)
                    #expect(counted["determinations_positive"] == 1, "\(reply.body)")
                    #expect(counted["episodes_started/voluntary_community"] == 1 && counted["episodes_completed/voluntary_community"] == 1)
                    #expect(counted["aftercare_started"] == 1 && counted["relapses"] == 1, "\(reply.body)")
                    // On the last day the person is neither in treatment nor in after-care (the relapse ended it).
                    #expect(counted["in_treatment_on_last_day/voluntary_community"] == nil && counted["in_aftercare_on_last_day"] == nil)
                    // In June the person was in treatment.
                    let june = measures(
                        try await statistics.call(
                            .get, "/v1/statistics/treatment?from=2025-06-01&to=2025-06-30&areaCode=00004", token: tokens["admin1"]))
                    #expect(june["in_treatment_on_last_day/voluntary_community"] == 1, "\(june)")
                    // The indicators computed from the same tables, by period.
                    func values(_ indicator: String, _ query: String) async throws -> [[String: Any]] {
                        let reply = try await statistics.call(
                            .get, "/v1/indicators/\(indicator)/values?areaCode=00004&\(query)", token: tokens["admin1"])
                        #expect(reply.status == 200, "\(indicator): \(reply.body)")
                        return (reply.json["items"] as? [[String: Any]]) ?? []
                    }
                    let relapses = try await values("relapse_rate", "from=2025-01-01&to=2025-12-31")
                    #expect(
                        relapses.count == 1 && relapses[0]["numerator"] as? Int == 1 && relapses[0]["denominator"] as? Int == 1
                            && relapses[0]["value"] as? Double == 100, "\(relapses)")
                    let quarters = try await values("people_in_treatment", "from=2025-01-01&to=2025-12-31&period=quarter&breakdown=treatment_form")
                    #expect(quarters.compactMap { $0["periodEnd"] as? String } == ["2025-03-31", "2025-06-30"], "\(quarters)")
                    #expect(quarters.allSatisfy { $0["breakdown"] as? String == "voluntary_community" && $0["value"] as? Double == 1 })
                    let mix = try await values("treatment_mix", "from=2025-01-01&to=2025-12-31")
                    #expect(mix.count == 1 && mix[0]["value"] as? Double == 100 && mix[0]["breakdown"] as? String == "voluntary_community", "\(mix)")
                    let compulsory = try await values("compulsory_share", "from=2025-01-01&to=2025-12-31")
                    #expect(
                        compulsory.count == 1 && compulsory[0]["value"] as? Double == 0 && compulsory[0]["denominator"] as? Int == 1, "\(compulsory)")
                    #expect(try await values("determinations", "from=2025-01-01&to=2025-12-31").first?["numerator"] as? Int == 1)
                    // Plan targets: the province sets them for its communes; each value then shows its status.
                    func setTarget(_ path: String, _ body: String, token: String?) async throws -> ServiceClient.Reply {
                        try await statistics.call(.put, "/v1/targets/\(path)", token: token, json: body)
                    }
                    #expect(try await setTarget("relapse_rate/00004/2025", #"{"maximum":10}"#, token: tokens["province01"]).status == 200)
                    #expect(try await setTarget("determinations/00004/2025", #"{"minimum":2}"#, token: tokens["province01"]).status == 200)
                    #expect(try await setTarget("treatment_mix/00004/2025", #"{"minimum":30}"#, token: tokens["admin1"]).status == 200)
                    #expect(try await setTarget("relapse_rate/00004/2025", #"{"maximum":10}"#, token: tokens["province79"]).status == 403)
                    #expect(try await setTarget("relapse_rate/00004/2025", #"{"maximum":10}"#, token: commune).status == 403)
                    let inverted = try await setTarget("relapse_rate/00004/2025", #"{"minimum":20,"maximum":10}"#, token: tokens["province01"])
                    #expect(inverted.status == 422 && inverted.fieldProblems["/maximum"] != nil, "\(inverted.body)")
                    let overShare = try await setTarget("treated_share/00004/2025", #"{"minimum":120}"#, token: tokens["province01"])
                    #expect(overShare.status == 422 && overShare.fieldProblems["/minimum"] != nil, "\(overShare.body)")
                    let judged = try await values("relapse_rate", "from=2025-01-01&to=2025-12-31").first
                    #expect(judged?["status"] as? String == "behind" && judged?["gap"] as? Double == 90, "\(judged ?? [:])")
                    #expect((judged?["target"] as? [String: Any])?["maximum"] as? Double == 10)
                    let determined = try await values("determinations", "from=2025-01-01&to=2025-12-31").first
                    #expect(determined?["status"] as? String == "behind" && determined?["gap"] as? Double == -1, "\(determined ?? [:])")
                    #expect(try await values("treatment_mix", "from=2025-01-01&to=2025-12-31").first?["status"] as? String == "met")
                    let listed = try await statistics.call(.get, "/v1/targets?year=2025", token: tokens["province01"])
                    #expect((listed.json["items"] as? [Any])?.count == 3, "\(listed.body)")
                    // The year's table: every computed indicator for the commune, with its target.
                    let table = try await statistics.call(.get, "/v1/indicators/table?year=2025&areaCode=00004", token: tokens["province01"])
                    let rows = (table.json["items"] as? [[String: Any]]) ?? []
                    func row(_ id: String) -> [String: Any]? { (rows.first { $0["indicator"] as? String == id })?["row"] as? [String: Any] }
                    #expect(table.status == 200 && table.json["areaCode"] as? String == "00004", "\(table.body)")
                    #expect(row("relapse_rate")?["value"] as? Double == 100 && row("relapse_rate")?["status"] as? String == "behind", "\(rows)")
                    #expect(row("determinations")?["numerator"] as? Int == 1 && row("loans") == nil, "\(rows)")
                    #expect(
                        try await statistics.call(.get, "/v1/indicators/table?year=2025&areaCode=00097", token: tokens["province79"]).status == 403)
                    // No commune declared its workforce: the share of staff trained has no row.
                    let staff = try await statistics.call(.get, "/v1/indicators/staff_trained_share/values", token: tokens["admin1"])
                    #expect(staff.status == 200 && (staff.json["items"] as? [Any])?.isEmpty == true, "\(staff.body)")
                    // Another agency's key sees the ones suppressed.
                    let key = try await StatisticsExportTests.key(registry, admin: tokens["admin1"], area: nil)
                    let agency = try await statistics.call(.get, path, headers: [.authorization: "Bearer \(key.key)"])
                    let items = (agency.json["items"] as? [[String: Any]]) ?? []
                    #expect(!items.isEmpty && items.allSatisfy { $0["suppressed"] as? Bool == true && $0["count"] is NSNull }, "\(agency.body)")
                    let keyed = try await statistics.call(
                        .get, "/v1/indicators/relapse_rate/values?from=2025-01-01&to=2025-12-31&areaCode=00004",
                        headers: [.authorization: "Bearer \(key.key)"])
                    let keyedItems = (keyed.json["items"] as? [[String: Any]]) ?? []
                    #expect(keyedItems.count == 1 && keyedItems[0]["suppressed"] as? Bool == true && keyedItems[0]["value"] == nil, "\(keyed.body)")
                }
            }
        }
    }
}
