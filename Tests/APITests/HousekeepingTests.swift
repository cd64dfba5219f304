import Foundation
import HTTPTypes
import Postgres
@testable import Registry
import ServiceKit
import TestSupport
import Testing

@Suite("Registry housekeeping", .timeLimit(.minutes(2)))
struct HousekeepingTests {
    @Test func endedSessionsIdleThrottlesAndOldIdempotencyKeysAreRemovedAndLiveOnesKept() async throws {
        try await PeopleTests.withRegistry("housekeeping") { registry, tokens, database in
            let live = try #require(tokens["commune00004"])
            let admin = try await database.connect()
            let account = try await admin.query("SELECT id FROM registry.accounts WHERE username = 'admin1'")[0].decode(UUID.self, at: 0)
            try await admin.query(
                """
                INSERT INTO registry.sessions (id, account_id, token_hash, created_at, expires_at)
                VALUES (gen_random_uuid(), \(account), sha256('old'::bytea), now() - interval '30 days', now() - interval '29 days'),
                       (gen_random_uuid(), \(account), sha256('recent'::bytea), now() - interval '2 days', now() - interval '1 day')
                """)
            try await admin.query(
                """
                INSERT INTO registry.login_throttle (username, failures, last_failure_at)
                VALUES ('someone', 3, now() - interval '2 days'), ('today', 2, now())
                """)
            try await admin.query(
                """
                INSERT INTO registry.idempotency_keys (account_id, key, request_hash, created_at)
                VALUES (\(account), 'old', sha256('x'::bytea), now() - interval '8 days'), (\(account), 'new', sha256('y'::bytea), now())
                """)
            let client = database.client(role: "registry")
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { try await client.run() }
                let housekeeping = Housekeeping(database: client, readiness: Readiness(database: client), logger: .test)
                let swept = try await housekeeping.sweep()
                #expect(swept == Housekeeping.Swept(sessions: 1, throttles: 1, idempotencyKeys: 1))
                #expect(try await housekeeping.sweep() == Housekeeping.Swept())
                group.cancelAll()
            }
            #expect(try await registry.call(.get, "/v1/auth/me", token: live).status == 200)
            await admin.close()
        }
    }
}
