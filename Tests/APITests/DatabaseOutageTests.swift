import Foundation
import HTTPTypes
import Postgres
import TestSupport
import Testing

/// When the database cannot serve (here: its connection limit reached), requests get 503 with
/// `Retry-After` saying why, never a 500, and the service recovers by itself once it clears.
@Suite("Database outages answered with 503 and recovered from without a restart", .timeLimit(.minutes(2)))
struct DatabaseOutageTests {
    @Test func theConnectionLimitAnswers503AndTheServiceRecoversByItself() async throws {
        try await PeopleTests.withRegistry("outage_limit") { registry, tokens, database in
            let officer = tokens["commune00004"]
            let person = try PeopleTests.id(try await registry.call(.post, "/v1/people", token: officer, json: PeopleTests.anh))
            let admin = try await database.connect()
            // No new connection to this database for the service roles, and the service's own ended.
            try await admin.query(PostgresQuery(unsafeSQL: "ALTER DATABASE \(PostgresQuery.quoteIdentifier(database.name)) CONNECTION LIMIT 0"))
            try await admin.query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = \(database.name) AND pid <> pg_backend_pid()")
            var reasons: [String] = []
            for _ in 0..<5 {
                let reply = try await registry.call(.get, "/v1/people/\(person)", token: officer)
                #expect(reply.status == 503, "\(reply.status) \(reply.body)")
                #expect(reply.contentType == "application/problem+json" && reply.headers[.retryAfter] != nil, "\(reply.headers)")
                reasons.append(reply.json["detail"] as? String ?? "")
            }
            #expect(reasons.contains { $0.contains("connection limit") }, "\(reasons)")
            #expect(try await registry.call(.get, "/readyz").status == 503)
            let written = try await registry.call(
                .post, "/v1/people", token: officer, json: PeopleTests.anh.replacingOccurrences(of: "001195012345", with: "001195012346"))
            #expect(written.status == 503, "\(written.body)")

            try await admin.query(PostgresQuery(unsafeSQL: "ALTER DATABASE \(PostgresQuery.quoteIdentifier(database.name)) CONNECTION LIMIT -1"))
            let cleared = ContinuousClock.now
            var status = 0
            while status != 200, ContinuousClock.now - cleared < .seconds(10) {
                status = try await registry.call(.get, "/v1/people/\(person)", token: officer).status
                if status != 200 { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(status == 200, "not recovered within 10 s of the limit clearing")
            print("connection limit: 503 with Retry-After while reached; recovered \(ContinuousClock.now - cleared) after it cleared")
            // The refused write left nothing behind.
            #expect(try await admin.query("SELECT count(*) FROM registry.people")[0].decode(Int.self, at: 0) == 1)
            await admin.close()
        }
    }
}
