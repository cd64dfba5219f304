import Foundation
import Postgres

/// Growing delay after failed logins, per username (whether or not the account exists, so the
/// answer reveals nothing): the first 5 failures in a row cost nothing; after that each failure
/// blocks further attempts for twice as long as the last, from 1 s up to 900 s. The policy lives in
/// the database (`registry.record_login_failure`, migration 0013), which the dashboard's sign-in
/// through `registry.open_session` shares.
struct LoginThrottle {
    /// Seconds until `username` may try again, or nil when it may now.
    func retryAfter(username: String, on connection: PostgresConnection) async throws -> Int? {
        let rows = try await connection.query("SELECT registry.login_retry_after(\(username))")
        return try rows.first?.decode(Int?.self, at: 0)
    }

    /// Counts a failure; returns the block it starts, in seconds (nil while failures are free).
    @discardableResult
    func recordFailure(username: String, on connection: PostgresConnection) async throws -> Int? {
        let rows = try await connection.query("SELECT registry.record_login_failure(\(username))")
        return try rows.first?.decode(Int?.self, at: 0)
    }

    func recordSuccess(username: String, on connection: PostgresConnection) async throws {
        try await connection.query("SELECT registry.record_login_success(\(username))")
    }
}
