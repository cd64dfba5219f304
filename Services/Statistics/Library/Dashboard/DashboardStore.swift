import Foundation
import Postgres
import RegistryContracts

/// The dashboard's SQL: the registry's sign-in functions (its migration 0013: the statistics role
/// never reads a password hash) and the provinces an officer can pick.
struct DashboardStore {
    let connection: PostgresConnection

    /// What `registry.open_session` answered.
    enum Outcome: Sendable, Equatable {
        case opened(sessionID: UUID, accountID: UUID)
        case throttled(retryAfter: Int)
        /// `unknown-username`, `inactive-account`, `wrong-password` or `role-not-allowed`.
        case refused(reason: String, accountID: UUID?)
    }

    /// The scrypt parameters and salt to derive `username`'s key with (a decoy's when unknown), and
    /// the seconds it is still blocked for after failed sign-ins.
    func signInParameters(username: String) async throws -> (parameters: String, salt: String, retryAfter: Int?)? {
        try await connection.query("SELECT parameters, salt, retry_after FROM registry.sign_in_parameters(\(username))").first.map {
            try $0.decode((String, String, Int?).self)
        }
    }

    /// Opens a session for `username` if `derivedKey` is its password's and its role is one of `roles`.
    func openSession(username: String, derivedKey: String, tokenHash: Data, lifetime: Duration, roles: [String]) async throws -> Outcome {
        let rows = try await connection.query(
            """
            SELECT outcome, session_id, account_id, retry_after
            FROM registry.open_session(\(username), \(derivedKey), \(tokenHash), \(Int(lifetime.inSeconds))::integer, \(roles)::text[])
            """)
        guard let row = rows.first else { return .refused(reason: "no-answer", accountID: nil) }
        let (outcome, session, account, wait) = try row.decode((String, UUID?, UUID?, Int?).self)
        switch (outcome, session, account) {
        case ("opened", let session?, let account?): return .opened(sessionID: session, accountID: account)
        case ("throttled", _, _): return .throttled(retryAfter: wait ?? 1)
        default: return .refused(reason: outcome, accountID: account)
        }
    }

    /// Ends the session of the token hashing to `tokenHash`; false when it was not open.
    @discardableResult
    func closeSession(tokenHash: Data) async throws -> Bool {
        try await connection.query("SELECT registry.close_session(\(tokenHash), 'logout')").first?.decode(Bool?.self, at: 0) ?? false
    }

    /// Every 2025 province, by code.
    func provinces() async throws -> [(code: String, name: String)] {
        try await connection.query(
            """
            SELECT code, name FROM registry.admin_units
            WHERE generation = \(AdminUnitGeneration.current) AND level = 'province' ORDER BY code
            """
        ).map { try $0.decode((String, String).self) }
    }
}
