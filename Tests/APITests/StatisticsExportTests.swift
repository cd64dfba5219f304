import Foundation
import HTTPTypes
import Postgres
import Referrals
import Registry
import ServiceKit
import Statistics
import TestSupport
import Testing

/// The statistics service's exports: counted from bus events only, bound to the caller's area,
/// small cells suppressed for other agencies, every export on the audit trail.
@Suite("Statistics: aggregate exports for agencies", .timeLimit(.minutes(3)))
struct StatisticsExportTests {
    static let names = ["Trần Văn An", "Lê Văn Bình", "Phạm Văn Cường", "Hoàng Văn Dũng", "Vũ Văn Em"]

    /// Waits until `path` answers with `count` people in total (the consumer is asynchronous).
    static func waitForCount(_ statistics: ServiceClient, _ path: String, token: String?, total: Int) async throws -> ServiceClient.Reply {
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            let reply = try await statistics.call(.get, path, token: token)
            let items = (reply.json["items"] as? [[String: Any]]) ?? []
            let sum = items.compactMap { $0["count"] as? Int }.reduce(0, +)
            if sum == total || ContinuousClock.now > deadline { return reply }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    static func key(_ registry: ServiceClient, admin: String?, area: String?) async throws -> (key: String, id: String) {
        let made = try await registry.call(
            .post, "/v1/api-keys", token: admin,
            json: #"{"label":"Tổng cục Thống kê","purpose":"báo cáo tháng","areaCode":"\#(area ?? "national")"}"#)
        #expect(made.status == 201, "\(made.body)")
        return (try #require(made.json["key"] as? String), try #require(made.json["id"] as? String))
    }

    /// A residence begins when the registration says, not on the day of registration: a move dated
    /// before the registration day (but after the residence began) is where the person is counted.
    @Test func aBackDatedMoveCountsThePersonInTheNewCommune() async throws {
        try await PeopleTests.withRegistry("statistics_backdated") { registry, tokens, database in
            let made = try await registry.call(
                .post, "/v1/people", token: tokens["province01"],
                json: """
                    {"fullName":"Trần Văn An","birthYear":1990,"sex":"male","residence":{"communeCode":"00004","since":"2026-01-01"},"management":{"decisionDate":"2026-01-05"}}
                    """)
            let id = try PeopleTests.id(made)
            let moved = try await registry.call(
                .post, "/v1/people/\(id)/moves", token: tokens["province01"], json: #"{"communeCode":"00008","date":"2026-02-01"}"#)
            #expect(moved.status == 200, "\(moved.body)")
            try await ServiceHarness.withService(StatisticsService.descriptor, database: database) { statistics in
                let path = "/v1/statistics/people-by-status?on=2026-06-01&groupBy=commune&areaCode=01"
                _ = try await Self.waitForCount(statistics, path, token: tokens["province01"], total: 1)
                // Both events are applied in order; wait until the move is too, then look.
                let deadline = ContinuousClock.now + .seconds(30)
                var communes: [String] = []
                repeat {
                    let reply = try await statistics.call(.get, path, token: tokens["province01"])
                    communes = (reply.json["items"] as? [[String: Any]] ?? []).compactMap { $0["areaCode"] as? String }
                    if communes == ["00008"] { break }
                    try await Task.sleep(for: .milliseconds(100))
                } while ContinuousClock.now < deadline
                #expect(communes == ["00008"])
                // Today too (the registration day is after the move: it must not count as a move back).
                let today = try await statistics.call(
                    .get, "/v1/statistics/people-by-status?groupBy=commune&areaCode=01", token: tokens["province01"])
                #expect((today.json["items"] as? [[String: Any]] ?? []).compactMap { $0["areaCode"] as? String } == ["00008"], "\(today.body)")
                // In mid-January, before the move, in 00004.
                let january = try await statistics.call(
                    .get, "/v1/statistics/people-by-status?on=2026-01-15&groupBy=commune&areaCode=01", token: tokens["province01"])
                #expect((january.json["items"] as? [[String: Any]] ?? []).compactMap { $0["areaCode"] as? String } == ["00004"], "\(january.body)")
            }
        }
    }

    @Test func countsComeFromEventsAreBoundToTheKeysAreaAndEveryExportIsAudited() async throws {
        try await PeopleTests.withRegistry("statistics_exports") { registry, tokens, database in
            let commune = tokens["commune00004"]
            for name in Self.names {
                let made = try await registry.call(
                    .post, "/v1/people", token: commune,
                    json: """
                        {"fullName":"\(name)","birthYear":1990,"sex":"male","residence":{"communeCode":"00004"},"management":{"decisionDate":"2026-01-05"}}
                        """)
                #expect(made.status == 201, "\(made.body)")
            }
            let woman = try await registry.call(
                .post, "/v1/people", token: commune,
                json: """
                    {"fullName":"Đặng Thị Hoa","birthYear":1993,"sex":"female","residence":{"communeCode":"00004"},"management":{"decisionDate":"2026-01-05"}}
                    """)
            #expect(woman.status == 201)

            try await ServiceHarness.withService(StatisticsService.descriptor, database: database) { statistics in
                // Staff (an admin) see every cell, small ones too.
                let path = "/v1/statistics/people-by-status?on=2026-06-01"
                let full = try await Self.waitForCount(statistics, path, token: tokens["admin1"], total: 6)
                let rows = try #require(full.json["items"] as? [[String: Any]])
                #expect(
                    rows.map { "\($0["areaCode"]!) \($0["status"]!) \($0["sex"]!) \($0["count"]!)" } == [
                        "01 drug_user female 1", "01 drug_user male 5",
                    ], "\(full.body)")
                #expect((rows.first?["areaName"] as? String)?.contains("Hà Nội") == true)
                // Before the decisions: nobody.
                let before = try await statistics.call(.get, "/v1/statistics/people-by-status?on=2025-12-31", token: tokens["admin1"])
                #expect((before.json["items"] as? [Any])?.count == 0)

                // A national key: the cell of one woman is suppressed.
                let national = try await Self.key(registry, admin: tokens["admin1"], area: nil)
                let agency = try await statistics.call(.get, path, token: national.key)
                let cells = try #require(agency.json["items"] as? [[String: Any]])
                #expect(
                    cells.map { "\($0["sex"]!) \($0["count"].map { "\($0)" } ?? "nil") \($0["suppressed"]!)" } == ["female <null> 1", "male 5 0"],
                    "\(agency.body)")
                // As CSV, readable by a spreadsheet: BOM, header, Vietnamese names.
                let csv = try await statistics.call(.get, path + "&groupBy=commune&format=csv", token: national.key)
                #expect(csv.status == 200)
                #expect(csv.contentType == "text/csv; charset=utf-8")
                let lines = csv.body.split(separator: "\r\n").map(String.init)
                #expect(lines.first == "\u{FEFF}areaCode,areaName,status,sex,count,suppressed")
                #expect(lines.count == 3 && lines[2].hasPrefix("00004,") && lines[2].hasSuffix(",drug_user,male,5,false"), "\(lines)")

                // A key bound to another province sees none of it, and may not ask for province 01.
                let south = try await Self.key(registry, admin: tokens["admin1"], area: "79")
                let own = try await statistics.call(.get, path, token: south.key)
                #expect(own.status == 200 && (own.json["items"] as? [Any])?.count == 0)
                let outside = try await statistics.call(.get, path + "&areaCode=01", token: south.key)
                #expect(outside.status == 403)
                #expect(outside.contentType == "application/problem+json")
                // A commune-bound key: its commune only, grouped by commune (the default at its level;
                // asking for provinces is refused).
                let communeKey = try await Self.key(registry, admin: tokens["admin1"], area: "00004")
                #expect(try await statistics.call(.get, path + "&groupBy=province", token: communeKey.key).status == 422)
                for query in ["", "&groupBy=commune"] {
                    let byCommune = try await statistics.call(.get, path + query, token: communeKey.key)
                    #expect(((byCommune.json["items"] as? [[String: Any]]) ?? []).compactMap { $0["count"] as? Int } == [5], "\(byCommune.body)")
                }
                // A commune officer's default too.
                let officer = try await statistics.call(.get, path, token: tokens["commune00004"])
                #expect(officer.status == 200 && (officer.json["parameters"] as? [String: String])?["groupBy"] == "commune", "\(officer.body)")
                // Officers: their own jurisdiction only.
                #expect(try await statistics.call(.get, path + "&areaCode=79", token: tokens["province01"]).status == 403)
                #expect(try await statistics.call(.get, path, token: tokens["auditor1"]).status == 403)
                let badQuery = try await statistics.call(
                    .get, "/v1/statistics/people-by-status?on=yesterday&groupBy=district&format=xml", token: national.key)
                #expect(badQuery.status == 422)
                let pointers = Set(((badQuery.json["errors"] as? [[String: Any]]) ?? []).compactMap { $0["pointer"] as? String })
                #expect(pointers == ["?on", "?groupBy", "?format"])

                // Every export by a key is on the audit trail, refused ones too; an auditor finds them by key.
                let admin = try await database.connect()
                let exports = try await admin.query(
                    """
                    SELECT outcome, count(*) FROM audit.entries WHERE actor_kind = 'api_key' AND action = 'export' GROUP BY 1 ORDER BY 1
                    """
                ).map { try $0.decode((String, Int).self) }
                await admin.close()
                #expect(exports.map { "\($0.0) \($0.1)" } == ["denied 1", "success 5"])
                let trail = try await registry.call(.get, "/v1/audit?accountId=\(south.id)", token: try await registry.signIn("auditor1"))
                let entries = try #require(trail.json["items"] as? [[String: Any]])
                #expect(entries.compactMap { $0["outcome"] as? String } == ["success", "denied"], "\(trail.body)")
                #expect((entries.first?["detail"] as? [String: String])?["purpose"] == "báo cáo tháng")
            }
        }
    }

    @Test func referralsAndTheirOutcomesAreCountedByArea() async throws {
        try await ReferralTests.withReferrals("statistics_referrals") { registry, referrals, tokens, database, person in
            let id = try #require(try await ReferralTests.refer(referrals, person, token: tokens["commune00004"]).json["id"] as? String)
            _ = try await referrals.call(.post, "/v1/referrals/\(id)/response", token: tokens["partner1"], json: #"{"decision":"accepted"}"#)
            let done = try await referrals.call(
                .post, "/v1/referrals/\(id)/outcome", token: tokens["partner1"], json: #"{"outcome":"employed","on":"\#(CalendarDate.today())"}"#)
            #expect(done.status == 200)
            let loan = try await ReferralTests.refer(referrals, person, token: tokens["commune00004"], kind: "loan")
            #expect(loan.status == 201)
            try await ServiceHarness.withService(StatisticsService.descriptor, database: database) { statistics in
                let reply = try await Self.waitForCount(statistics, "/v1/statistics/referrals?groupBy=commune", token: tokens["province01"], total: 2)
                let rows = try #require(reply.json["items"] as? [[String: Any]])
                #expect(
                    rows.map { "\($0["areaCode"]!) \($0["kind"]!) \($0["status"]!) \($0["outcome"] ?? "-") \($0["count"]!)" }
                        == ["00004 job completed employed 1", "00004 loan sent <null> 1"], "\(reply.body)")
                #expect(
                    try await statistics.call(.get, "/v1/statistics/referrals?from=2026-02-01&to=2026-01-01", token: tokens["admin1"]).status == 422)
            }
        }
    }
}
