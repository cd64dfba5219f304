import Foundation
import Postgres
import ReferralsContracts
import RegistryContracts

/// The statistics service's counting tables (no names, no national ids): people's sex and birth
/// year, dated residences and statuses, and referrals. Every write is an upsert or replaces what
/// it restates, so applying an event twice changes nothing.
struct CountingStore {
    let connection: PostgresConnection
    var tables = CountingTables.live

    func savePerson(_ person: PersonEvents.Registered) async throws {
        try await connection.query(
            """
            INSERT INTO \(tables("people")) (person_id, sex, birth_year, registered_on, ethnicity, substances)
            VALUES (\(person.personId), \(person.sex), \(person.birthYear), \(person.registeredOn), \(person.ethnicity), \(person.substances))
            ON CONFLICT (person_id) DO UPDATE SET sex = excluded.sex, birth_year = excluded.birth_year,
                registered_on = excluded.registered_on, ethnicity = excluded.ethnicity, substances = excluded.substances
            """)
        try await saveResidence(person.personId, from: person.residenceSince, commune: person.communeCode, province: person.provinceCode)
    }

    func updatePerson(_ person: PersonEvents.Changed) async throws {
        try await connection.query(
            """
            UPDATE \(tables("people")) SET sex = \(person.sex), birth_year = \(person.birthYear), ethnicity = \(person.ethnicity),
                substances = \(person.substances)
            WHERE person_id = \(person.personId)
            """)
    }

    func saveResidence(_ person: UUID, from day: CalendarDate, commune: String, province: String) async throws {
        try await connection.query(
            """
            INSERT INTO \(tables("residences")) (person_id, from_date, commune_code, province_code)
            VALUES (\(person), \(day), \(commune), \(province))
            ON CONFLICT (person_id, from_date) DO UPDATE SET commune_code = excluded.commune_code, province_code = excluded.province_code
            """)
    }

    /// As the registry does: later records give way to the new one, earlier ones end where it
    /// starts (one statement).
    func applyStatus(_ change: PersonEvents.StatusChanged) async throws {
        try await connection.query(
            """
            WITH later AS (
                DELETE FROM \(tables("statuses")) WHERE person_id = \(change.personId) AND valid_from > \(change.validFrom)
            ), earlier AS (
                UPDATE \(tables("statuses")) SET valid_to = \(change.validFrom)
                WHERE person_id = \(change.personId) AND valid_from < \(change.validFrom) AND (valid_to IS NULL OR valid_to > \(change.validFrom))
            )
            INSERT INTO \(tables("statuses")) (person_id, valid_from, valid_to, status)
            VALUES (\(change.personId), \(change.validFrom), \(change.validTo), \(change.status))
            ON CONFLICT (person_id, valid_from) DO UPDATE SET valid_to = excluded.valid_to, status = excluded.status
            """)
    }

    func saveReferral(_ referral: ReferralEvents.Changed) async throws {
        try await connection.query(
            """
            INSERT INTO \(tables("referrals")) (referral_id, person_id, kind, status, outcome, outcome_on, amount_vnd,
                                              commune_code, province_code, referred_on)
            VALUES (\(referral.referralId), \(referral.personId), \(referral.kind), \(referral.status), \(referral.outcome),
                    \(referral.outcomeOn), \(referral.amountVnd), \(referral.communeCode),
                    \(referral.provinceCode), \(referral.referredOn))
            ON CONFLICT (referral_id) DO UPDATE SET status = excluded.status, outcome = excluded.outcome,
                outcome_on = excluded.outcome_on, amount_vnd = excluded.amount_vnd
            """)
    }
}
