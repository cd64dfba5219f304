import ContractValues
import Foundation
import Postgres

/// The queries behind a deadline list, each over the partial indexes of open records in an area
/// (`0005_episodes.sql`, `0006_aftercare.sql`), each cut at `limit + 1` rows to tell whether there
/// were more.
struct DeadlineStore {
    let connection: PostgresConnection
    let area: DeadlineArea
    let on: CalendarDate
    let until: CalendarDate
    let limit: Int

    func episodesEnding() async throws -> [Deadlines.EpisodeEnding] {
        let inArea = area.condition(commune: "e.commune_code", province: "e.province_code", facility: "e.facility_id")
        return try await connection.query(
            """
            SELECT e.id, e.person_id, e.form, e.facility_id, e.term_end FROM treatment.episodes e
            WHERE e.status = 'active' AND e.term_end <= \(until) AND \(inArea)
            ORDER BY e.term_end, e.id LIMIT \(limit + 1)
            """
        ).map { row in
            let (id, person, form, facility, end) = try row.decode((UUID, UUID, TreatmentForm, UUID?, CalendarDate).self)
            return .init(
                episodeId: id, personId: person, form: form, facilityId: facility, termEnd: end, daysLeft: end.daysSinceEpoch - on.daysSinceEpoch)
        }
    }

    func aftercareEnding() async throws -> [Deadlines.AftercareEnding] {
        try await connection.query(
            """
            SELECT a.id, a.person_id, a.ends_on FROM treatment.aftercare a
            WHERE a.status = 'active' AND a.ends_on <= \(until) AND \(area.condition(commune: "a.commune_code", province: "a.province_code"))
            ORDER BY a.ends_on, a.id LIMIT \(limit + 1)
            """
        ).map { row in
            let (id, person, end) = try row.decode((UUID, UUID, CalendarDate).self)
            return .init(aftercareId: id, personId: person, endsOn: end, daysLeft: end.daysSinceEpoch - on.daysSinceEpoch)
        }
    }

    /// The latest positive determination of each person in the area, due by `until`, not followed
    /// by a registration (an episode opened since marks it registered).
    func registrationDue() async throws -> [Deadlines.RegistrationDue] {
        try await connection.query(
            """
            SELECT * FROM (
                SELECT DISTINCT ON (d.person_id) d.id, d.person_id, d.determined_on, d.registration_due_on
                FROM treatment.determinations d
                WHERE d.positive AND d.registered_on IS NULL AND d.registration_due_on <= \(until) AND d.determined_on <= \(on)
                  AND \(area.condition(commune: "d.commune_code", province: "d.province_code"))
                ORDER BY d.person_id, d.determined_on DESC
            ) due ORDER BY registration_due_on, id LIMIT \(limit + 1)
            """
        ).map { row in
            let (id, person, determined, due) = try row.decode((UUID, UUID, CalendarDate, CalendarDate).self)
            return .init(determinationId: id, personId: person, determinedOn: determined, dueOn: due, overdue: due < on)
        }
    }

    func contactsOverdue(everyDays days: Int) async throws -> [Deadlines.ContactDue] {
        try await connection.query(
            """
            SELECT id, person_id, last_contact, coalesce(last_contact, starts_on - 1) + \(days)::int AS due FROM (
                SELECT a.id, a.person_id, a.starts_on,
                       (SELECT max(c.contact_on) FROM treatment.aftercare_contacts c WHERE c.aftercare_id = a.id) AS last_contact
                FROM treatment.aftercare a
                WHERE a.status = 'active' AND a.starts_on <= \(on) AND \(area.condition(commune: "a.commune_code", province: "a.province_code"))
            ) open WHERE coalesce(last_contact, starts_on - 1) + \(days)::int <= \(on)
            ORDER BY due, id LIMIT \(limit + 1)
            """
        ).map { row in
            let (id, person, last, due) = try row.decode((UUID, UUID, CalendarDate?, CalendarDate).self)
            return .init(aftercareId: id, personId: person, lastContactOn: last, dueOn: due)
        }
    }

    /// Management periods (the registry's `valid_to` is the first day after) ending by `until`,
    /// that are still the person's latest status.
    func managementLapsing() async throws -> [Deadlines.ManagementLapsing] {
        try await connection.query(
            """
            SELECT m.person_id, m.valid_to - 1 FROM registry.treatment_management_periods m
            WHERE m.latest AND m.valid_to > \(on) AND m.valid_to <= \(until.adding(days: 1))
              AND \(area.condition(commune: "m.commune_code", province: "m.province_code"))
            ORDER BY m.valid_to, m.person_id LIMIT \(limit + 1)
            """
        ).map { row in
            let (person, last) = try row.decode((UUID, CalendarDate).self)
            return .init(personId: person, lastDay: last)
        }
    }

    func compulsoryTriggers() async throws -> [Deadlines.CompulsoryTrigger] {
        try await connection.query(
            """
            SELECT r.id, r.person_id, r.detected_on FROM treatment.relapses r
            WHERE r.resolved_on IS NULL AND r.detected_on <= \(on) AND \(area.condition(commune: "r.commune_code", province: "r.province_code"))
            ORDER BY r.detected_on, r.id LIMIT \(limit + 1)
            """
        ).map { row in
            let (id, person, day) = try row.decode((UUID, UUID, CalendarDate).self)
            return .init(relapseId: id, personId: person, detectedOn: day)
        }
    }
}
