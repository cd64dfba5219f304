import EventBus
import Foundation
import Postgres
import ServiceKit

/// SQL for community programme records; every method runs on the caller's connection.
struct ProgrammeStore {
    let connection: PostgresConnection

    /// Inserts a record and returns when it was created; a second drug-free recognition of a
    /// commune for the same year, or a second workforce declaration for the same year on the same
    /// day, answers 409.
    func insert(
        id: UUID, kind: ProgrammeKind, commune: String, province: String, onDate: CalendarDate, details: [String: JSONValue], by account: UUID
    ) async throws -> Date {
        do {
            return try await connection.query(
                """
                INSERT INTO registry.programme_records (id, kind, commune_code, province_code, on_date, details, created_by)
                VALUES (\(id), \(kind.rawValue), \(commune), \(province), \(onDate), \(JSONValue.object(details).text)::jsonb, \(account))
                RETURNING created_at
                """
            )[0].decode(Date.self, at: 0)
        } catch let error as PostgresError where error.sqlState == SQLState.uniqueViolation {
            if kind == .workforce {
                throw ProblemDetails.conflict(
                    "Commune \(commune) already declared its workforce for that year on that day.", type: "duplicate-declaration")
            }
            throw ProblemDetails.conflict("Commune \(commune) already has a drug-free recognition for that year.", type: "duplicate-recognition")
        }
    }

    /// Records of `kind` that `visible` lets the caller see, newest first, at most 1,000.
    func list(
        kind: ProgrammeKind, visible: SQLFragment, commune: String?, from: CalendarDate?, to: CalendarDate?
    ) async throws -> [ProgrammeRoutes.Record] {
        try await connection.query(
            """
            SELECT r.id, r.kind, r.commune_code, r.province_code, r.on_date, r.details, r.created_at
            FROM registry.programme_records r
            WHERE r.kind = \(kind.rawValue) AND (\(visible))
              AND (\(commune)::text IS NULL OR r.commune_code = \(commune))
              AND (\(from)::date IS NULL OR r.on_date >= \(from))
              AND (\(to)::date IS NULL OR r.on_date <= \(to))
            ORDER BY r.on_date DESC, r.id LIMIT 1000
            """
        ).map { row in
            let (id, kind, commune, province, onDate, details, created) =
                try row.decode((UUID, String, String, String, CalendarDate, JSONB<JSONValue>, Date).self)
            return ProgrammeRoutes.Record(
                id: id, kind: kind, communeCode: commune, provinceCode: province, onDate: onDate.description, details: details.value,
                createdAt: created)
        }
    }
}
