import Access
import Foundation
import Postgres
import Rules
import ServiceKit

/// Determinations of addiction (`treatment.determinations`).
struct DeterminationStore {
    let connection: PostgresConnection

    /// `registered`: the person is registered for or in treatment already (nothing falls due).
    func insert(_ determination: Determination, commune: String, province: String, registered: Bool, by account: UUID) async throws {
        try await connection.query(
            """
            INSERT INTO treatment.determinations
                (id, person_id, determined_on, doctor, health_facility, criteria, positive, regime, commune_code, province_code, recorded_by, recorded_at,
                 registration_due_on, registered_on)
            VALUES (\(determination.id), \(determination.personId), \(determination.determinedOn), \(determination.doctor),
                    \(determination.healthFacility), \(determination.criteria)::text[], \(determination.positive), \(determination.regime),
                    \(commune), \(province), \(account), \(determination.recordedAt),
                    \(determination.registrationDeadline?.dueOn), \(registered ? determination.determinedOn : nil))
            """)
    }

    /// A person's determinations, the latest first, each with the deadline its regime set (the due
    /// day as recorded, which the deadline list also reads).
    func determinations(of person: UUID, book: RegimeBook, calendar: WorkingCalendar) async throws -> [Determination] {
        try await connection.query(
            """
            SELECT id, determined_on, doctor, health_facility, criteria, positive, regime, recorded_at, registration_due_on
            FROM treatment.determinations WHERE person_id = \(person) ORDER BY determined_on DESC, recorded_at DESC
            """
        ).map { row in
            let (id, day, doctor, facility, criteria, positive, regime, recorded, due) = try row.decode(
                (UUID, CalendarDate, String, String, [String], Bool, String, Date, CalendarDate?).self)
            let judged = book.regimes.first { $0.name == regime }
            let deadline = judged.flatMap { Determination.deadline(positive: positive, on: day, regime: $0, calendar: calendar) }
            return Determination(
                id: id, personId: person, determinedOn: day, doctor: doctor, healthFacility: facility, criteria: criteria, positive: positive,
                regime: regime,
                registrationDeadline: deadline.map { deadline in
                    Determination.Deadline(
                        workingDays: deadline.workingDays, from: deadline.from, dueOn: due ?? deadline.dueOn, rule: deadline.rule,
                        provenance: deadline.provenance)
                },
                recordedAt: recorded)
        }
    }
}
