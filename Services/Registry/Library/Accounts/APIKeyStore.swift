import Foundation
import Postgres

/// SQL for other agencies' API keys; every method runs on the caller's connection.
struct APIKeyStore {
    let connection: PostgresConnection

    static let columns: StaticString = "id, label, purpose, area_code, created_at, expires_at, revoked_at"

    static func key(_ row: PostgresRow) throws -> APIKeyRoutes.Key {
        let (id, label, purpose, area, created, expires, revoked) = try row.decode((UUID, String, String, String?, Date, Date?, Date?).self)
        return APIKeyRoutes.Key(
            id: id, label: label, purpose: purpose, areaCode: area ?? APIKeyRoutes.national, createdAt: created, expiresAt: expires,
            revokedAt: revoked, key: nil)
    }

    /// Every key, newest first.
    func all() async throws -> [APIKeyRoutes.Key] {
        try await connection.query("SELECT \(sql: Self.columns) FROM registry.api_keys ORDER BY created_at DESC, id").map(Self.key)
    }

    /// Stores a new key by the hash of its secret.
    func insert(
        id: UUID, label: String, purpose: String, areaCode: String?, keyHash: Data, by account: UUID, expiresAt: Date?
    ) async throws -> APIKeyRoutes.Key {
        try Self.key(
            try await connection.query(
                """
                INSERT INTO registry.api_keys (id, label, purpose, area_code, key_hash, created_by, expires_at)
                VALUES (\(id), \(label), \(purpose), \(areaCode), \(keyHash), \(account), \(expiresAt))
                RETURNING \(sql: Self.columns)
                """
            )[0])
    }

    /// Revokes an active key; false when there is none.
    func revoke(_ id: UUID, by account: UUID) async throws -> Bool {
        try await connection.query(
            """
            UPDATE registry.api_keys SET revoked_at = now(), revoked_by = \(account)
            WHERE id = \(id) AND revoked_at IS NULL
            """
        ).affectedRows == 1
    }
}
