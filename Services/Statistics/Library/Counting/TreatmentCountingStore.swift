import Foundation
import Postgres
import ReferralsContracts
import TreatmentContracts

/// The counting tables of treatment and reintegration (no names): determinations, episodes,
/// after-care, relapses and referral steps. Every write is an upsert, so an event applied twice
/// changes nothing.
struct TreatmentCountingStore {
    let connection: PostgresConnection
    var tables = CountingTables.live

    func saveDetermination(_ event: TreatmentEvents.DeterminationRecorded) async throws {
        try await connection.query(
            """
            INSERT INTO \(tables("determinations")) (determination_id, person_id, determined_on, positive, commune_code, province_code)
            VALUES (\(event.determinationId), \(event.personId), \(event.determinedOn), \(event.positive), \(event.communeCode), \(event.provinceCode))
            ON CONFLICT (determination_id) DO NOTHING
            """)
    }

    /// The place of an episode at `facility`: `community` without one, else the facility's
    /// ownership and kind as the registry lists them now (`unknown_facility` if it does not).
    static func place(of facility: UUID?) -> SQLFragment {
        guard let facility else { return "'community'" }
        return """
            coalesce((SELECT f.ownership || '_' || f.kind FROM registry.facilities f WHERE f.id = \(facility)), 'unknown_facility')
            """
    }

    func saveStart(_ event: TreatmentEvents.EpisodeStarted) async throws {
        try await connection.query(
            """
            INSERT INTO \(tables("episodes"))
                (episode_id, person_id, form, facility_id, started_on, status, commune_code, province_code, place)
            VALUES (\(event.episodeId), \(event.personId), \(event.form), \(event.facilityId), \(event.startedOn), 'active', \(event.communeCode),
                    \(event.provinceCode), \(Self.place(of: event.facilityId)))
            ON CONFLICT (episode_id) DO UPDATE SET started_on = excluded.started_on, place = excluded.place
            """)
    }

    func saveEnd(_ event: TreatmentEvents.EpisodeEnded) async throws {
        try await connection.query(
            """
            INSERT INTO \(tables("episodes"))
                (episode_id, person_id, form, facility_id, started_on, ended_on, status, reason, commune_code, province_code, place)
            VALUES (\(event.episodeId), \(event.personId), \(event.form), \(event.facilityId), \(event.startedOn), \(event.endedOn), \(event.status),
                    \(event.reason), \(event.communeCode), \(event.provinceCode), \(Self.place(of: event.facilityId)))
            ON CONFLICT (episode_id) DO UPDATE SET ended_on = excluded.ended_on, status = excluded.status, reason = excluded.reason,
                facility_id = excluded.facility_id
            """)
    }

    func saveAftercare(_ event: TreatmentEvents.AftercareStarted) async throws {
        try await connection.query(
            """
            INSERT INTO \(tables("aftercare")) (aftercare_id, person_id, episode_id, starts_on, ends_on, status, commune_code, province_code)
            VALUES (\(event.aftercareId), \(event.personId), \(event.episodeId), \(event.startsOn), \(event.endsOn), 'active', \(event.communeCode),
                    \(event.provinceCode))
            ON CONFLICT (aftercare_id) DO NOTHING
            """)
    }

    func endAftercare(_ event: TreatmentEvents.AftercareEnded) async throws {
        try await connection.query(
            "UPDATE \(tables("aftercare")) SET ended_on = \(event.endedOn), status = \(event.status) WHERE aftercare_id = \(event.aftercareId)"
        )
    }

    func saveRelapse(_ event: TreatmentEvents.RelapseRecorded) async throws {
        try await connection.query(
            """
            INSERT INTO \(tables("relapses")) (relapse_id, person_id, aftercare_id, detected_on, commune_code, province_code)
            VALUES (\(event.relapseId), \(event.personId), \(event.aftercareId), \(event.detectedOn), \(event.communeCode), \(event.provinceCode))
            ON CONFLICT (relapse_id) DO NOTHING
            """)
    }

    func saveStep(_ event: ReferralEvents.StepRecorded) async throws {
        try await connection.query(
            """
            INSERT INTO \(tables("referral_steps"))
                (referral_id, step, person_id, kind, step_on, wage_vnd, amount_vnd, commune_code, province_code)
            VALUES (\(event.referralId), \(event.step), \(event.personId), \(event.kind), \(event.on), \(event.wageVnd), \(event.amountVnd),
                    \(event.communeCode), \(event.provinceCode))
            ON CONFLICT (referral_id, step) DO UPDATE SET step_on = excluded.step_on, wage_vnd = excluded.wage_vnd, amount_vnd = excluded.amount_vnd
            """)
    }
}
