import Foundation
import Postgres
import ServiceKit

/// SQL for facilities; every method runs on the caller's connection (and transaction).
struct FacilityStore {
    let connection: PostgresConnection

    /// Facilities by province, kind and folded name (each filter optional), at most 1,000.
    func list(province: String?, kind: String?, text: String?) async throws -> [Facility] {
        try await connection.query(
            """
            SELECT \(sql: Facility.columns) FROM registry.facilities f
            WHERE (\(province)::text IS NULL OR f.province_code = \(province))
              AND (\(kind)::text IS NULL OR f.kind = \(kind))
              AND (\(text)::text IS NULL OR f.search_name LIKE '%' || \(text) || '%')
            ORDER BY f.province_code, f.search_name, f.id LIMIT 1000
            """
        ).map(Facility.init(row:))
    }

    func find(_ id: UUID) async throws -> Facility? {
        try await connection.query("SELECT \(sql: Facility.columns) FROM registry.facilities f WHERE f.id = \(id)").first.map(Facility.init(row:))
    }

    /// Whether a facility with this id is registered (active or retired).
    func exists(_ id: UUID) async throws -> Bool {
        try await !connection.query("SELECT 1 FROM registry.facilities WHERE id = \(id)").isEmpty
    }

    func insert(_ input: FacilityRoutes.Input, id: UUID) async throws -> Facility {
        try await Facility(
            row: connection.query(
                """
                INSERT INTO registry.facilities AS f (id, name, search_name, kind, ownership, province_code, commune_code, address, capacity, active)
                VALUES (\(id), \(input.name), \(SearchText.fold(input.name)), \(input.kind), \(input.ownership), \(input.provinceCode),
                        \(input.communeCode), \(input.address), \(input.capacity), \(input.active))
                RETURNING \(sql: Facility.columns)
                """
            )[0])
    }

    /// The facility changed at `version`, or nil when it is at another version (or gone).
    func update(_ id: UUID, with input: FacilityRoutes.Input, at version: Int) async throws -> Facility? {
        try await connection.query(
            """
            UPDATE registry.facilities f SET name = \(input.name), search_name = \(SearchText.fold(input.name)), kind = \(input.kind),
                ownership = \(input.ownership), province_code = \(input.provinceCode), commune_code = \(input.communeCode),
                address = \(input.address), capacity = \(input.capacity), active = \(input.active), updated_at = now(),
                version = f.version + 1
            WHERE f.id = \(id) AND f.version = \(version)
            RETURNING \(sql: Facility.columns)
            """
        ).first.map(Facility.init(row:))
    }

    /// Retires an active facility; nil when there is none.
    func retire(_ id: UUID) async throws -> Facility? {
        try await connection.query(
            """
            UPDATE registry.facilities f SET active = false, updated_at = now(), version = f.version + 1
            WHERE f.id = \(id) AND f.active
            RETURNING \(sql: Facility.columns)
            """
        ).first.map(Facility.init(row:))
    }
}
