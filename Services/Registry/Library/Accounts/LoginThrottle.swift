import Foundation
import Postgres

/// Growing delay after failed logins, per username (whether or not the account exists, so the
/// answer reveals nothing): the first `freeFailures` cost nothing; after that each failure blocks
/// further attempts for twice as long as the last, from 1 s up to `maximumDelay`.
struct LoginThrottle {
    var freeFailures = 5
    var maximumDelaySeconds = 900

    /// Seconds until `username` may try again, or nil when it may now.
    func retryAfter(username: String, on connection: PostgresConnection) async throws -> Int? {
        let rows = try await connection.query(
            """
            SELECT ceil(EXTRACT(EPOCH FROM blocked_until - now()))::int8 FROM registry.login_throttle
            WHERE username = \(username) AND blocked_until > now()
            """)
        return try rows.first.map { Int(try $0.decode(Int64.self, at: 0)) }
    }

    /// Counts a failure; returns the block it starts, in seconds (nil while failures are free).
    @discardableResult
    func recordFailure(username: String, on connection: PostgresConnection) async throws -> Int? {
        let rows = try await connection.query(
            """
            INSERT INTO registry.login_throttle AS t (username, failures, last_failure_at)
            VALUES (\(username), 1, now())
            ON CONFLICT (username) DO UPDATE SET failures = t.failures + 1, last_failure_at = now()
            RETURNING failures
            """)
        let failures = Int(try rows.first!.decode(Int64.self, at: 0))
        guard failures > freeFailures else { return nil }
        let delay = min(maximumDelaySeconds, 1 << min(20, failures - freeFailures - 1))
        try await connection.query(
            """
            UPDATE registry.login_throttle SET blocked_until = now() + make_interval(secs => \(delay))
            WHERE username = \(username)
            """)
        return delay
    }

    func recordSuccess(username: String, on connection: PostgresConnection) async throws {
        try await connection.query("DELETE FROM registry.login_throttle WHERE username = \(username)")
    }
}
