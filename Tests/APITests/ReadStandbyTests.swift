import Foundation
import HTTPTypes
import Postgres
import Registry
import ServiceKit
import Statistics
import TestSupport
import Testing

/// `DATABASE_READ_URL`: the registry's people searches and the statistics' reads go to a hot
/// standby of the cluster (made here with pg_basebackup and streaming replication), while writes,
/// a person's own page, LISTEN and the bus's consumers stay on the primary; with the standby
/// gone, the same reads are answered from the primary.
@Suite("Reads from a hot standby (DATABASE_READ_URL)", .timeLimit(.minutes(3)))
struct ReadStandbyTests {
    @Test func searchesAndStatisticsReadTheStandbyAndFallBackToThePrimaryWithoutIt() async throws {
        try await withTestDatabase("read_standby") { database in
            let standby = try await TestStandby.start()
            do {
                try await Self.exercise(database, standby: standby)
                await standby.remove()
            } catch {
                await standby.remove()
                throw error
            }
        }
    }

    /// Searches and statistics on the standby, with its replay paused and resumed, then stopped.
    static func exercise(_ database: TestDatabase, standby: TestStandby) async throws {
        let replica = standby.database(database)
        try await Self.waitUntilConnectable(replica)
        let registryEnvironment = ["DATABASE_READ_URL": try replica.conninfo(role: "registry")]
        try await ServiceHarness.withService(RegistryService.descriptor, database: database, environment: registryEnvironment) { registry in
            try await StaffSeed.insert(into: database)
            let officer = try await registry.signIn("commune00004")
            let statisticsEnvironment = ["DATABASE_READ_URL": try replica.conninfo(role: "statistics")]
            try await ServiceHarness.withService(StatisticsService.descriptor, database: database, environment: statisticsEnvironment) {
                statistics in
                let admin = try await registry.signIn("admin1")
                let first = try await Self.register("Trần Văn Khải", registry, token: officer)
                // Once the standby has replayed the registration and its count, both reads show it.
                try await Self.eventually { try await Self.found("Khai", registry, token: officer) == [first] }
                try await Self.eventually { try await Self.underManagement(statistics, token: admin) == 1 }

                // Replay paused: what the primary holds now, the standby does not.
                let standbyAdmin = try await replica.connect()
                try await standbyAdmin.query("SELECT pg_wal_replay_pause()")
                try await Self.eventually {
                    try await standbyAdmin.query("SELECT pg_get_wal_replay_pause_state()").first?.decode(String.self, at: 0) == "paused"
                }
                let second = try await Self.register("Lê Văn Khải", registry, token: officer)
                // Written to the primary (the person's page reads it there) and counted there.
                #expect(try await registry.call(.get, "/v1/people/\(second)", token: officer).status == 200)
                let primary = try await database.connect()
                try await Self.eventually {
                    try await primary.query(
                        "SELECT count(*) FROM statistics.people WHERE person_id = \(UUID(uuidString: second)!)"
                    ).first?.decode(Int.self, at: 0) == 1
                }
                await primary.close()
                // The search and the statistics answer from the standby: not yet.
                #expect(try await Self.found("Khai", registry, token: officer) == [first])
                #expect(try await Self.underManagement(statistics, token: admin) == 1)

                // Replay resumed: both appear.
                try await standbyAdmin.query("SELECT pg_wal_replay_resume()")
                await standbyAdmin.close()
                try await Self.eventually { try await Self.found("Khai", registry, token: officer) == [first, second].sorted() }
                try await Self.eventually { try await Self.underManagement(statistics, token: admin) == 2 }

                // The standby stopped: the same reads are answered from the primary.
                try await standby.stop()
                let third = try await Self.register("Phạm Văn Khải", registry, token: officer)
                try await Self.eventually { try await Self.found("Khai", registry, token: officer) == [first, second, third].sorted() }
                try await Self.eventually { try await Self.underManagement(statistics, token: admin) == 3 }
            }
        }
    }

    /// Registers a person under management in commune 00004; their id.
    static func register(_ name: String, _ registry: ServiceClient, token: String) async throws -> String {
        let made = try await registry.call(
            .post, "/v1/people", token: token,
            json: """
                {"fullName":"\(name)","birthYear":1990,"sex":"male","residence":{"communeCode":"00004"},"management":{"decisionDate":"2026-01-05"}}
                """)
        #expect(made.status == 201, "\(made.body)")
        return try PeopleTests.id(made).lowercased()
    }

    /// The ids a name search finds, sorted; the search must answer 200.
    static func found(_ text: String, _ registry: ServiceClient, token: String) async throws -> [String] {
        let reply = try await registry.call(.get, "/v1/people?q=\(text)", token: token)
        #expect(reply.status == 200, "\(reply.body)")
        return ((reply.json["items"] as? [[String: Any]]) ?? []).compactMap { ($0["id"] as? String)?.lowercased() }.sorted()
    }

    /// The people under management in commune 00004 in June 2026 (an indicator value); nil
    /// unless the read answers 200 with one row.
    static func underManagement(_ statistics: ServiceClient, token: String) async throws -> Int? {
        let reply = try await statistics.call(
            .get, "/v1/indicators/people_under_management/values?areaCode=00004&from=2026-06-01&to=2026-06-30", token: token)
        #expect(reply.status == 200, "\(reply.body)")
        let items = (reply.json["items"] as? [[String: Any]]) ?? []
        return items.count == 1 ? items[0]["numerator"] as? Int : nil
    }

    /// Retries `condition` every 100 ms for up to 30 s; fails the test if it never holds.
    static func eventually(
        _ condition: () async throws -> Bool, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while try await !condition() {
            guard ContinuousClock.now < deadline else {
                Issue.record("the condition did not hold within 30 s", sourceLocation: sourceLocation)
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Waits until the standby has replayed the database's creation and takes connections.
    static func waitUntilConnectable(_ replica: TestDatabase) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            do {
                let connection = try await replica.connect()
                await connection.close()
                return
            } catch {
                guard ContinuousClock.now < deadline else { throw error }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }
}
