import Foundation
import Postgres
import ReferralsContracts
import TreatmentContracts

/// The counting tables of treatment and reintegration (no names): determinations, episodes,
/// after-care, relapses and referral steps. Each write takes many rows in one statement, at most
/// one per row key; every write is an upsert, so an event applied twice changes nothing.
struct TreatmentCountingStore {
    let connection: PostgresConnection
    var tables = CountingTables.live

    func saveDeterminations(_ events: [TreatmentEvents.DeterminationRecorded]) async throws {
        guard !events.isEmpty else { return }
        try await connection.query(
            """
            INSERT INTO \(tables("determinations")) (determination_id, person_id, determined_on, positive, commune_code, province_code)
            SELECT * FROM unnest(\(events.map(\.determinationId))::uuid[], \(events.map(\.personId))::uuid[], \(events.map(\.determinedOn))::date[],
                                 \(events.map(\.positive))::bool[], \(events.map(\.communeCode))::text[], \(events.map(\.provinceCode))::text[])
            ON CONFLICT (determination_id) DO NOTHING
            """)
    }

    /// The place of an episode at the facility in column `c.facility_id`: `community` without
    /// one, else the facility's ownership and kind as the registry lists them now
    /// (`unknown_facility` if it does not).
    static let place: SQLFragment = """
        CASE WHEN c.facility_id IS NULL THEN 'community'
             ELSE coalesce((SELECT f.ownership || '_' || f.kind FROM registry.facilities f WHERE f.id = c.facility_id), 'unknown_facility') END
        """

    func saveStarts(_ events: [TreatmentEvents.EpisodeStarted]) async throws {
        guard !events.isEmpty else { return }
        try await connection.query(
            """
            INSERT INTO \(tables("episodes"))
                (episode_id, person_id, form, facility_id, started_on, status, commune_code, province_code, place)
            SELECT c.episode_id, c.person_id, c.form, c.facility_id, c.started_on, 'active', c.commune_code, c.province_code, \(Self.place)
            FROM unnest(\(events.map(\.episodeId))::uuid[], \(events.map(\.personId))::uuid[], \(events.map(\.form))::text[],
                        \(events.map(\.facilityId))::uuid[], \(events.map(\.startedOn))::date[], \(events.map(\.communeCode))::text[],
                        \(events.map(\.provinceCode))::text[])
                AS c(episode_id, person_id, form, facility_id, started_on, commune_code, province_code)
            ON CONFLICT (episode_id) DO UPDATE SET started_on = excluded.started_on, place = excluded.place
            """)
    }

    func saveEnds(_ events: [TreatmentEvents.EpisodeEnded]) async throws {
        guard !events.isEmpty else { return }
        try await connection.query(
            """
            INSERT INTO \(tables("episodes"))
                (episode_id, person_id, form, facility_id, started_on, ended_on, status, reason, commune_code, province_code, place)
            SELECT c.episode_id, c.person_id, c.form, c.facility_id, c.started_on, c.ended_on, c.status, c.reason, c.commune_code,
                   c.province_code, \(Self.place)
            FROM unnest(\(events.map(\.episodeId))::uuid[], \(events.map(\.personId))::uuid[], \(events.map(\.form))::text[],
                        \(events.map(\.facilityId))::uuid[], \(events.map(\.startedOn))::date[], \(events.map(\.endedOn))::date[],
                        \(events.map(\.status))::text[], \(events.map(\.reason))::text[], \(events.map(\.communeCode))::text[],
                        \(events.map(\.provinceCode))::text[])
                AS c(episode_id, person_id, form, facility_id, started_on, ended_on, status, reason, commune_code, province_code)
            ON CONFLICT (episode_id) DO UPDATE SET ended_on = excluded.ended_on, status = excluded.status, reason = excluded.reason,
                facility_id = excluded.facility_id
            """)
    }

    func saveAftercare(_ events: [TreatmentEvents.AftercareStarted]) async throws {
        guard !events.isEmpty else { return }
        try await connection.query(
            """
            INSERT INTO \(tables("aftercare")) (aftercare_id, person_id, episode_id, starts_on, ends_on, status, commune_code, province_code)
            SELECT c.aftercare_id, c.person_id, c.episode_id, c.starts_on, c.ends_on, 'active', c.commune_code, c.province_code
            FROM unnest(\(events.map(\.aftercareId))::uuid[], \(events.map(\.personId))::uuid[], \(events.map(\.episodeId))::uuid[],
                        \(events.map(\.startsOn))::date[], \(events.map(\.endsOn))::date[], \(events.map(\.communeCode))::text[],
                        \(events.map(\.provinceCode))::text[])
                AS c(aftercare_id, person_id, episode_id, starts_on, ends_on, commune_code, province_code)
            ON CONFLICT (aftercare_id) DO NOTHING
            """)
    }

    func endAftercare(_ events: [TreatmentEvents.AftercareEnded]) async throws {
        guard !events.isEmpty else { return }
        try await connection.query(
            """
            UPDATE \(tables("aftercare")) a SET ended_on = c.ended_on, status = c.status
            FROM unnest(\(events.map(\.aftercareId))::uuid[], \(events.map(\.endedOn))::date[], \(events.map(\.status))::text[])
                AS c(aftercare_id, ended_on, status)
            WHERE a.aftercare_id = c.aftercare_id
            """)
    }

    func saveRelapses(_ events: [TreatmentEvents.RelapseRecorded]) async throws {
        guard !events.isEmpty else { return }
        try await connection.query(
            """
            INSERT INTO \(tables("relapses")) (relapse_id, person_id, aftercare_id, detected_on, commune_code, province_code)
            SELECT * FROM unnest(\(events.map(\.relapseId))::uuid[], \(events.map(\.personId))::uuid[], \(events.map(\.aftercareId))::uuid[],
                                 \(events.map(\.detectedOn))::date[], \(events.map(\.communeCode))::text[], \(events.map(\.provinceCode))::text[])
            ON CONFLICT (relapse_id) DO NOTHING
            """)
    }

    func saveSteps(_ events: [ReferralEvents.StepRecorded]) async throws {
        guard !events.isEmpty else { return }
        try await connection.query(
            """
            INSERT INTO \(tables("referral_steps"))
                (referral_id, step, person_id, kind, step_on, wage_vnd, amount_vnd, commune_code, province_code)
            SELECT * FROM unnest(\(events.map(\.referralId))::uuid[], \(events.map(\.step))::text[], \(events.map(\.personId))::uuid[],
                                 \(events.map(\.kind))::text[], \(events.map(\.on))::date[], \(events.map(\.wageVnd))::int8[],
                                 \(events.map(\.amountVnd))::int8[], \(events.map(\.communeCode))::text[], \(events.map(\.provinceCode))::text[])
            ON CONFLICT (referral_id, step) DO UPDATE SET step_on = excluded.step_on, wage_vnd = excluded.wage_vnd, amount_vnd = excluded.amount_vnd
            """)
    }
}
