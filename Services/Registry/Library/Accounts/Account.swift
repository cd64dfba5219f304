import Access
import Foundation
import Postgres

/// A staff account as clients see it (never its password hash).
struct Account: Sendable, Codable, Equatable {
    let id: UUID
    let username: String
    let displayName: String
    let role: Role
    let jurisdiction: Jurisdiction
    let active: Bool
    let createdAt: Date
    let updatedAt: Date
    let passwordChangedAt: Date
    let version: Int

    /// The `SELECT` list `init(row:)` reads, for `registry.accounts a`.
    static let columns: StaticString = """
        a.id, a.username, a.display_name, a.role, a.jurisdiction_kind, a.jurisdiction_ref, a.active,
        a.created_at, a.updated_at, a.password_changed_at, a.version
        """

    init(row: PostgresRow) throws {
        let (id, username, displayName, role, kind, reference, active, created, updated, passwordChanged, version) =
            try row.decode((UUID, String, String, String, String, String?, Bool, Date, Date, Date, Int).self)
        guard let role = Role(rawValue: role), let kind = Jurisdiction.Kind(rawValue: kind),
            let jurisdiction = Jurisdiction(kind: kind, reference: reference)
        else { throw AccountStoreError.corruptRow(id) }
        self.id = id
        self.username = username
        self.displayName = displayName
        self.role = role
        self.jurisdiction = jurisdiction
        self.active = active
        self.createdAt = created
        self.updatedAt = updated
        self.passwordChangedAt = passwordChanged
        self.version = version
    }

    /// The `ETag` of this version.
    var etag: String { "\"\(version)\"" }
}

struct AccountStoreError: Error, CustomStringConvertible {
    let description: String
    static func corruptRow(_ id: UUID) -> AccountStoreError {
        AccountStoreError(description: "account \(id) has a role or jurisdiction this version does not know")
    }
}
