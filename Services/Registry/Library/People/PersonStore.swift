import Foundation
import EventBus
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

    /// The person's status on `day`, if any.
    func status(of id: UUID, on day: CalendarDate) async throws -> (status: String, validFrom: CalendarDate, validTo: CalendarDate?)? {
        guard
            let row = try await connection.query(
                """
                SELECT status, valid_from, valid_to FROM registry.person_statuses
                WHERE person_id = \(id) AND valid_from <= \(day) AND (valid_to IS NULL OR valid_to > \(day))
                ORDER BY valid_from DESC LIMIT 1
                """
            ).first
        else { return nil }
        let (status, from, to) = try row.decode((String, CalendarDate, CalendarDate?).self)
        return (status, from, to)
    }

    /// The person's change history, oldest first; with `writtenWhere` (a `PersonScope.pastResidence`
    /// condition on the commune `u`) only the entries written while they lived there.
    func history(of id: UUID, writtenWhere condition: SQLFragment? = nil) async throws -> [PersonHistory.Entry] {
        let rows: PostgresRows
        if let condition {
            rows = try await connection.query(
                """
                SELECT c.version, c.changed_at, c.changed_by_label, c.action, c.changes FROM registry.person_changes c
                JOIN registry.admin_units u ON u.generation = \(AdminUnitGeneration.current) AND u.level = 'commune' AND u.code = c.commune_code
                WHERE c.person_id = \(id) AND (\(condition))
                ORDER BY c.version
                """)
        } else {
            rows = try await connection.query(
                """
                SELECT version, changed_at, changed_by_label, action, changes FROM registry.person_changes
                WHERE person_id = \(id) ORDER BY version
                """)
        }
        return try rows.map { row in
            let (version, at, by, action, changes) = try row.decode((Int, Date, String?, String, JSONB<JSONValue>).self)
            return PersonHistory.Entry(version: version, changedAt: at, changedBy: by, action: action, changes: changes.value)
        }
    }

    /// The person holding national id `value`, if any (`visible`: the caller's condition on `p`).
    func holder(ofNationalID value: String, visible: SQLFragment) async throws -> DuplicateMatch? {
        try await connection.query("SELECT p.id, (\(visible)) FROM registry.people p WHERE p.national_id = \(value)").first.map {
            let (id, visible) = try $0.decode((UUID, Bool).self)
            return DuplicateMatch(person: id, visible: visible)
        }
    }

    /// People with the same folded name and birth year in the province: likely the same person.
    func likelyDuplicates(
        searchName: String, birthYear: Int, birthDate: CalendarDate?, province: String, visible: SQLFragment
    ) async throws -> [DuplicateMatch] {
        try await connection.query(
            """
            SELECT p.id, (\(visible)) FROM registry.people p
            WHERE p.residence_province_code = \(province) AND p.search_name = \(searchName) AND p.birth_year = \(birthYear)
              AND (\(birthDate)::date IS NULL OR p.birth_date IS NULL OR p.birth_date = \(birthDate))
            ORDER BY p.id LIMIT 10
            """
        ).map {
            let (id, visible) = try $0.decode((UUID, Bool).self)
            return DuplicateMatch(person: id, visible: visible)
        }
    }
}

extension PostgresQuery {
    /// Appends plain program text (a lock clause chosen by the program).
    static func + (query: PostgresQuery, text: StaticString) -> PostgresQuery {
        PostgresQuery(unsafeSQL: query.sql + text.description, bindings: query.bindings)
    }
}
