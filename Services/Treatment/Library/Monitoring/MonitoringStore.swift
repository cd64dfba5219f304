import Foundation
import Postgres

/// Electronic monitoring (`treatment.monitoring`) and substance declarations
/// (`treatment.substance_declarations`).
struct MonitoringStore {
    let connection: PostgresConnection

    /// What monitoring on `day` would accompany: active after-care, or an active episode at family
    /// or community or of substitution therapy (`during` and the record's id).
    func accompanied(_ person: UUID, on day: CalendarDate) async throws -> (during: String, record: UUID)? {
        try await connection.query(
            """
            SELECT 'aftercare', a.id FROM treatment.aftercare a
            WHERE a.person_id = \(person) AND a.status = 'active' AND a.starts_on <= \(day) AND \(day) <= a.ends_on
            UNION ALL
            SELECT 'episode', e.id FROM treatment.episodes e
            WHERE e.person_id = \(person) AND e.status = 'active' AND e.form IN ('voluntary_community', 'methadone') AND e.started_on <= \(day)
            LIMIT 1
            """
        ).first.map { try $0.decode((String, UUID).self) }
    }

    func insert(_ monitoring: Monitoring, commune: String, province: String, by account: UUID) async throws {
        try await connection.query(
            """
            INSERT INTO treatment.monitoring
                (id, person_id, during, record_id, device, starts_on, ends_on, reason, decision_number, regime, commune_code, province_code,
                 recorded_by, recorded_at)
            VALUES (\(monitoring.id), \(monitoring.personId), \(monitoring.during), \(monitoring.recordId), \(monitoring.device),
                    \(monitoring.startsOn), \(monitoring.endsOn), \(monitoring.reason), \(monitoring.decisionNumber), \(monitoring.regime),
                    \(commune), \(province), \(account), \(monitoring.recordedAt))
            """)
    }

    func monitoring(of person: UUID) async throws -> [Monitoring] {
        try await connection.query(
            """
            SELECT id, during, record_id, device, starts_on, ends_on, reason, decision_number, regime, recorded_at
            FROM treatment.monitoring WHERE person_id = \(person) ORDER BY starts_on DESC
            """
        ).map { row in
            let (id, during, record, device, starts, ends, reason, decision, regime, recorded) = try row.decode(
                (UUID, String, UUID, String, CalendarDate, CalendarDate, String, String, String, Date).self)
            return Monitoring(
                id: id, personId: person, during: during, recordId: record, device: device, startsOn: starts, endsOn: ends, reason: reason,
                decisionNumber: decision, regime: regime, recordedAt: recorded)
        }
    }

    func insert(_ declaration: SubstanceDeclaration, commune: String, province: String, by account: UUID) async throws {
        try await connection.query(
            """
            INSERT INTO treatment.substance_declarations
                (id, person_id, declared_on, substances, note, regime, commune_code, province_code, recorded_by, recorded_at)
            VALUES (\(declaration.id), \(declaration.personId), \(declaration.declaredOn), \(declaration.substances)::text[], \(declaration.note),
                    \(declaration.regime), \(commune), \(province), \(account), \(declaration.recordedAt))
            """)
    }

    func declarations(of person: UUID) async throws -> [SubstanceDeclaration] {
        try await connection.query(
            """
            SELECT id, declared_on, substances, note, regime, recorded_at FROM treatment.substance_declarations
            WHERE person_id = \(person) ORDER BY declared_on DESC, recorded_at DESC
            """
        ).map { row in
            let (id, day, substances, note, regime, recorded) = try row.decode((UUID, CalendarDate, [String], String?, String, Date).self)
            return SubstanceDeclaration(
                id: id, personId: person, declaredOn: day, substances: substances, note: note, regime: regime, recordedAt: recorded)
        }
    }
}
