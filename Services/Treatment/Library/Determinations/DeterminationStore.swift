import Access
import Foundation
import Postgres
import Rules
import ServiceKit

/// Determinations of addiction (`treatment.determinations`), and where the people they concern
/// live (the registry's `treatment_people` view).
struct DeterminationStore {
    let connection: PostgresConnection

    /// Where a person the caller may see lives; nil when there is no such person or the caller may
    /// not see them.
    func residence(of person: UUID, visibleTo identity: Identity) async throws -> (commune: String, province: String)? {
        let visible = AreaScope.condition(identity, province: "tp.province_code", commune: "tp.commune_code")
        return try await connection.query(
            "SELECT tp.commune_code, tp.province_code FROM registry.treatment_people tp WHERE tp.person_id = \(person) AND (\(visible))"
        ).first.map { try $0.decode((String, String).self) }
    }

    func insert(_ determination: Determination, commune: String, province: String, by account: UUID) async throws {
        try await connection.query(
            """
            INSERT INTO treatment.determinations
                (id, person_id, determined_on, doctor, health_facility, criteria, positive, regime, commune_code, province_code, recorded_by, recorded_at)
            VALUES (\(determination.id), \(determination.personId), \(determination.determinedOn), \(determination.doctor),
                    \(determination.healthFacility), \(determination.criteria)::text[], \(determination.positive), \(determination.regime),
                    \(commune), \(province), \(account), \(determination.recordedAt))
            """)
    }

    /// A person's determinations, the latest first, each with the deadline its regime set.
    func determinations(of person: UUID, book: RegimeBook, calendar: WorkingCalendar) async throws -> [Determination] {
        try await connection.query(
            """
            SELECT id, determined_on, doctor, health_facility, criteria, positive, regime, recorded_at
            FROM treatment.determinations WHERE person_id = \(person) ORDER BY determined_on DESC, recorded_at DESC
            """
        ).map { row in
            let (id, day, doctor, facility, criteria, positive, regime, recorded) = try row.decode(
                (UUID, CalendarDate, String, String, [String], Bool, String, Date).self)
            let judged = book.regimes.first { $0.name == regime }
            return Determination(
                id: id, personId: person, determinedOn: day, doctor: doctor, healthFacility: facility, criteria: criteria, positive: positive,
                regime: regime,
                registrationDeadline: judged.flatMap { Determination.deadline(positive: positive, on: day, regime: $0, calendar: calendar) },
                recordedAt: recorded)
        }
    }
}
