import Foundation
import Postgres
import RegistryContracts

/// SQL for people; every method runs on the caller's connection (and transaction).
struct PersonStore {
    let connection: PostgresConnection

    /// The person if `visible` (a `PersonScope` condition) lets the caller see them.
    func find(_ id: UUID, visible: SQLFragment, today: CalendarDate, lock: Bool = false) async throws -> Person? {
        try await connection.query(
            """
            SELECT \(sql: Person.columns) FROM registry.people p \(Person.statusJoin(on: today))
            WHERE p.id = \(id) AND (\(visible))
            """ + (lock ? " FOR UPDATE OF p" : "")
        ).first.map(Person.init(row:))
    }

    /// The province of a 2025 commune, or nil when there is no such commune.
    func province(ofCommune code: String) async throws -> String? {
        try await connection.query(
            """
            SELECT province_code FROM registry.admin_units WHERE generation = \(AdminUnitGeneration.current) AND level = 'commune' AND code = \(code)
            """
        ).first?.decode(String.self, at: 0)
    }

    /// Whether a pre-2025 province code exists (the first digits of a CCCD).
    func legacyProvinceExists(_ code: String) async throws -> Bool {
        try await !connection.query(
            """
            SELECT 1 FROM registry.admin_units WHERE generation = \(AdminUnitGeneration.legacy) AND level = 'province' AND code = \(code)
            """
        ).isEmpty
    }

    func holder(ofNationalID value: String) async throws -> UUID? {
        try await connection.query("SELECT id FROM registry.people WHERE national_id = \(value)").first?.decode(UUID.self, at: 0)
    }

    /// People with the same folded name and birth year in the province: likely the same person.
    func likelyDuplicates(searchName: String, birthYear: Int, birthDate: CalendarDate?, province: String) async throws -> [UUID] {
        try await connection.query(
            """
            SELECT id FROM registry.people
            WHERE residence_province_code = \(province) AND search_name = \(searchName) AND birth_year = \(birthYear)
              AND (\(birthDate)::date IS NULL OR birth_date IS NULL OR birth_date = \(birthDate))
            ORDER BY id LIMIT 10
            """
        ).map { try $0.decode(UUID.self, at: 0) }
    }
}

extension PostgresQuery {
    /// Appends plain program text (a lock clause chosen by the program).
    static func + (query: PostgresQuery, text: StaticString) -> PostgresQuery {
        PostgresQuery(unsafeSQL: query.sql + text.description, bindings: query.bindings)
    }
}
