import Foundation
import Postgres
import ReferralsContracts
import RegistryContracts

/// The statistics service's counting tables (no names, no national ids): people's sex and birth
/// year, dated residences and statuses, and referrals. Each write takes many rows in one statement
/// (a rebuild's batch, or one event's), at most one per row key; every write is an upsert or
/// replaces what it restates, so applying an event twice changes nothing.
struct CountingStore {
    let connection: PostgresConnection
    var tables = CountingTables.live

    /// A dated residence, as a registration or a move states it.
    struct Residence: Sendable {
        let person: UUID
        let from: CalendarDate
        let commune: String
        let province: String
        /// The commune of the list before 2025 it was recorded under, if it was (`commune` is
        /// then its 2025 commune by the official mapping).
        let legacyCommune: String?
    }

    func savePeople(_ people: [PersonEvents.Registered]) async throws {
        guard !people.isEmpty else { return }
        try await connection.query(
            """
            INSERT INTO \(tables("people")) (person_id, sex, birth_year, registered_on, ethnicity, substances)
            SELECT c.person_id, c.sex, c.birth_year, c.registered_on, c.ethnicity, c.substances::text[]
            FROM unnest(\(people.map(\.personId))::uuid[], \(people.map(\.sex))::text[], \(people.map(\.birthYear))::int8[],
                        \(people.map(\.registeredOn))::date[], \(people.map(\.ethnicity))::text[],
                        \(people.map { $0.substances.encodeText() })::text[])
                AS c(person_id, sex, birth_year, registered_on, ethnicity, substances)
            ON CONFLICT (person_id) DO UPDATE SET sex = excluded.sex, birth_year = excluded.birth_year,
                registered_on = excluded.registered_on, ethnicity = excluded.ethnicity, substances = excluded.substances
            """)
    }

    func updatePeople(_ changes: [PersonEvents.Changed]) async throws {
        guard !changes.isEmpty else { return }
        try await connection.query(
            """
            UPDATE \(tables("people")) p SET sex = c.sex, birth_year = c.birth_year, ethnicity = c.ethnicity, substances = c.substances::text[]
            FROM unnest(\(changes.map(\.personId))::uuid[], \(changes.map(\.sex))::text[], \(changes.map(\.birthYear))::int8[],
                        \(changes.map(\.ethnicity))::text[], \(changes.map { $0.substances.encodeText() })::text[])
                AS c(person_id, sex, birth_year, ethnicity, substances)
            WHERE p.person_id = c.person_id
            """)
    }

    func saveResidences(_ residences: [Residence]) async throws {
        guard !residences.isEmpty else { return }
        try await connection.query(
            """
            INSERT INTO \(tables("residences")) (person_id, from_date, commune_code, province_code, legacy_commune_code)
            SELECT * FROM unnest(\(residences.map(\.person))::uuid[], \(residences.map(\.from))::date[], \(residences.map(\.commune))::text[],
                                 \(residences.map(\.province))::text[], \(residences.map(\.legacyCommune))::text[])
            ON CONFLICT (person_id, from_date) DO UPDATE SET commune_code = excluded.commune_code, province_code = excluded.province_code,
                legacy_commune_code = excluded.legacy_commune_code
            """)
    }

    /// As the registry does: later records give way to the new one, earlier ones end where it
    /// starts (one statement; at most one change per person).
    func applyStatuses(_ changes: [PersonEvents.StatusChanged]) async throws {
        guard !changes.isEmpty else { return }
        try await connection.query(
            """
            WITH c AS (
                SELECT * FROM unnest(\(changes.map(\.personId))::uuid[], \(changes.map(\.validFrom))::date[], \(changes.map(\.validTo))::date[],
                                     \(changes.map(\.status))::text[]) AS c(person_id, valid_from, valid_to, status)
            ), later AS (
                DELETE FROM \(tables("statuses")) s USING c WHERE s.person_id = c.person_id AND s.valid_from > c.valid_from
            ), earlier AS (
                UPDATE \(tables("statuses")) s SET valid_to = c.valid_from
                FROM c WHERE s.person_id = c.person_id AND s.valid_from < c.valid_from AND (s.valid_to IS NULL OR s.valid_to > c.valid_from)
            )
            INSERT INTO \(tables("statuses")) (person_id, valid_from, valid_to, status)
            SELECT person_id, valid_from, valid_to, status FROM c
            ON CONFLICT (person_id, valid_from) DO UPDATE SET valid_to = excluded.valid_to, status = excluded.status
            """)
    }

    func saveReferrals(_ referrals: [ReferralEvents.Changed]) async throws {
        guard !referrals.isEmpty else { return }
        try await connection.query(
            """
            INSERT INTO \(tables("referrals")) (referral_id, person_id, kind, status, outcome, outcome_on, amount_vnd,
                                              commune_code, province_code, referred_on)
            SELECT * FROM unnest(\(referrals.map(\.referralId))::uuid[], \(referrals.map(\.personId))::uuid[], \(referrals.map(\.kind))::text[],
                                 \(referrals.map(\.status))::text[], \(referrals.map(\.outcome))::text[], \(referrals.map(\.outcomeOn))::date[],
                                 \(referrals.map(\.amountVnd))::int8[], \(referrals.map(\.communeCode))::text[],
                                 \(referrals.map(\.provinceCode))::text[], \(referrals.map(\.referredOn))::date[])
            ON CONFLICT (referral_id) DO UPDATE SET status = excluded.status, outcome = excluded.outcome,
                outcome_on = excluded.outcome_on, amount_vnd = excluded.amount_vnd
            """)
    }
}
