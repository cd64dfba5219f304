import Foundation
import Postgres

/// A treatment facility, methadone clinic or social protection centre.
struct Facility: Codable, Sendable, Equatable {
    static let kinds: Set<String> = ["compulsory_treatment", "voluntary_treatment", "methadone_clinic", "social_protection_centre"]
    static let ownerships: Set<String> = ["public", "private"]

    let id: UUID
    let name: String
    let kind: String
    let ownership: String
    let provinceCode: String
    let communeCode: String?
    let address: String?
    let capacity: Int?
    let active: Bool
    let createdAt: Date
    let updatedAt: Date
    let version: Int

    var etag: String { "\"\(version)\"" }

    static let columns: StaticString = """
        f.id, f.name, f.kind, f.ownership, f.province_code, f.commune_code, f.address, f.capacity, f.active,
        f.created_at, f.updated_at, f.version
        """

    init(row: PostgresRow) throws {
        (id, name, kind, ownership, provinceCode, communeCode, address, capacity, active, createdAt, updatedAt, version) =
            try row.decode((UUID, String, String, String, String, String?, String?, Int?, Bool, Date, Date, Int).self)
    }
}
