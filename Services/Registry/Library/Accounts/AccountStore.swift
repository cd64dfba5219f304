import Access
import Foundation
import Postgres

/// SQL for accounts and sessions; every method runs on the caller's connection (and transaction).
struct AccountStore {
    let connection: PostgresConnection

    func account(id: UUID) async throws -> Account? {
        try await connection.query("SELECT \(sql: Account.columns) FROM registry.accounts a WHERE a.id = \(id)")
            .first.map(Account.init(row:))
    }

    /// The account and its password hash, for a login.
    func credentials(username: String) async throws -> (Account, String)? {
        guard
            let row = try await connection.query(
                """
                SELECT \(sql: Account.columns), a.password_hash FROM registry.accounts a WHERE a.username = \(username)
                """
            ).first
        else { return nil }
        return (try Account(row: row), try row.decode(String.self, at: 11))
    }

    func list(after: String?, limit: Int) async throws -> [Account] {
        try await connection.query(
            """
            SELECT \(sql: Account.columns) FROM registry.accounts a
            WHERE \(after)::text IS NULL OR a.username > \(after)
            ORDER BY a.username LIMIT \(limit)
            """
        ).map(Account.init(row:))
    }

    /// Inserts; returns nil when the username is taken.
    func create(
        id: UUID, username: String, displayName: String, role: Role, jurisdiction: Jurisdiction,
        passwordHash: String, createdBy: UUID?
    ) async throws -> Account? {
        let rows = try await connection.query(
            """
            INSERT INTO registry.accounts (id, username, display_name, role, jurisdiction_kind, jurisdiction_ref, password_hash, created_by)
            VALUES (\(id), \(username), \(displayName), \(role.rawValue), \(jurisdiction.kind.rawValue), \(jurisdiction.reference),
                    \(passwordHash), \(createdBy))
            ON CONFLICT (username) DO NOTHING
            RETURNING id
            """)
        guard !rows.isEmpty else { return nil }
        return try await account(id: id)
    }

    /// Applies the changes if the account is at `version`; nil when it is not (or is gone).
    func update(
        id: UUID, version: Int, displayName: String, role: Role, jurisdiction: Jurisdiction, active: Bool
    ) async throws -> Account? {
        try await connection.query(
            """
            UPDATE registry.accounts a SET display_name = \(displayName), role = \(role.rawValue),
                jurisdiction_kind = \(jurisdiction.kind.rawValue), jurisdiction_ref = \(jurisdiction.reference),
                active = \(active), updated_at = now(), version = a.version + 1
            WHERE a.id = \(id) AND a.version = \(version)
            RETURNING \(sql: Account.columns)
            """
        ).first.map(Account.init(row:))
    }

    func setPassword(id: UUID, hash: String) async throws {
        try await connection.query(
            """
            UPDATE registry.accounts SET password_hash = \(hash), password_changed_at = now(), updated_at = now(),
                version = version + 1
            WHERE id = \(id)
            """)
    }

    func createSession(id: UUID, account: UUID, tokenHash: Data, lifetime: Duration) async throws -> Date {
        let rows = try await connection.query(
            """
            INSERT INTO registry.sessions (id, account_id, token_hash, expires_at)
            VALUES (\(id), \(account), \(tokenHash), now() + make_interval(secs => \(lifetime.inSeconds)))
            RETURNING expires_at
            """)
        return try rows.first!.decode(Date.self, at: 0)
    }

    /// Revokes one session; false when it was already revoked.
    @discardableResult
    func revokeSession(id: UUID, reason: String) async throws -> Bool {
        try await connection.query(
            """
            UPDATE registry.sessions SET revoked_at = now(), revoked_reason = \(reason)
            WHERE id = \(id) AND revoked_at IS NULL
            """
        ).affectedRows == 1
    }

    /// Revokes every open session of an account; returns how many.
    @discardableResult
    func revokeSessions(account: UUID, reason: String) async throws -> Int {
        try await connection.query(
            """
            UPDATE registry.sessions SET revoked_at = now(), revoked_reason = \(reason)
            WHERE account_id = \(account) AND revoked_at IS NULL
            """
        ).affectedRows
    }
}
