import Access
import Foundation
import HTTPTypes
import Postgres
import TestSupport

/// Staff accounts written straight into a test database (one password hash, computed once, for
/// all of them), so that tests spend their time on what they test rather than on scrypt.
enum StaffSeed {
    static let password = "Test-password 2026!"

    private static let hash = Task { try await PasswordHasher().hash(password) }

    /// Accounts, one per role, with jurisdictions that tests can reason about.
    static let accounts: [(username: String, role: Role, jurisdiction: Jurisdiction)] = [
        ("admin1", .admin, .national),
        ("province01", .provinceOfficer, .province(code: "01")),
        ("commune00004", .communeOfficer, .commune(code: "00004")),
        ("facility1", .facilityStaff, .facility(id: UUID(uuidString: "00000000-0000-4000-8000-00000000f001")!)),
        ("partner1", .referralPartner, .partner(id: UUID(uuidString: "00000000-0000-4000-8000-00000000a001")!)),
        ("auditor1", .auditor, .national),
        // Out of the jurisdiction of people registered in commune 00004 (province 01):
        ("commune00097", .communeOfficer, .commune(code: "00097")),
        ("province79", .provinceOfficer, .province(code: "79")),
    ]

    static func username(for role: Role) -> String {
        accounts.first { $0.role == role }!.username
    }

    /// Inserts the accounts (after the registry's migrations) and returns their ids by username.
    @discardableResult
    static func insert(into database: TestDatabase) async throws -> [String: UUID] {
        let hash = try await hash.value
        let connection = try await database.connect()
        var ids: [String: UUID] = [:]
        do {
            for account in accounts {
                let id = UUID()
                try await connection.query(
                    """
                    INSERT INTO registry.accounts (id, username, display_name, role, jurisdiction_kind, jurisdiction_ref, password_hash)
                    VALUES (\(id), \(account.username), \("Cán bộ \(account.username)"), \(account.role.rawValue),
                            \(account.jurisdiction.kind.rawValue), \(account.jurisdiction.reference), \(hash))
                    """)
                ids[account.username] = id
            }
            await connection.close()
        } catch {
            await connection.close()
            throw error
        }
        return ids
    }
}
