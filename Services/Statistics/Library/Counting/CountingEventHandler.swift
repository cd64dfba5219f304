import EventBus
import Foundation
import Logging
import Postgres
import ReferralsContracts
import RegistryContracts

/// Keeps the statistics service's counting tables from the registry's person events and the
/// referrals service's referral events (consumer `statistics.counts`, from the beginning of the
/// log, so a new or emptied database rebuilds itself). Each event is applied in the transaction
/// that advances the consumer, and every write is an upsert: applying an event again changes nothing.
///
/// The payloads are decoded as the producers' contract types (`RegistryContracts`,
/// `ReferralsContracts`); a payload that does not decode fails the event, which the consumer
/// retries and then parks as dead (the catalogue check at publishing makes that a producer's bug).
struct CountingEventHandler: EventHandler {
    let logger: Logger

    static let consumerName = "statistics.counts"
    static let topics = [PersonEvents.topic, ReferralEvents.topic]

    func handle(_ event: EventEnvelope, in transaction: PostgresConnection) async throws {
        switch (event.type, event.version) {
        case (PersonEvents.Registered.type, 1):
            let person = try event.decode(PersonEvents.Registered.self)
            let day = person.registeredOn
            try await transaction.query(
                """
                INSERT INTO statistics.people (person_id, sex, birth_year, registered_on)
                VALUES (\(person.personId), \(person.sex), \(person.birthYear), \(day))
                ON CONFLICT (person_id) DO UPDATE SET sex = excluded.sex, birth_year = excluded.birth_year,
                    registered_on = excluded.registered_on
                """)
            try await residence(person.personId, from: day, commune: person.communeCode, province: person.provinceCode, transaction)
        case (PersonEvents.Changed.type, 1):
            let person = try event.decode(PersonEvents.Changed.self)
            try await transaction.query(
                """
                UPDATE statistics.people SET sex = \(person.sex), birth_year = \(person.birthYear) WHERE person_id = \(person.personId)
                """)
        case (PersonEvents.Moved.type, 1):
            let move = try event.decode(PersonEvents.Moved.self)
            try await residence(move.personId, from: move.movedOn, commune: move.toCommuneCode, province: move.toProvinceCode, transaction)
        case (PersonEvents.StatusChanged.type, 1):
            let change = try event.decode(PersonEvents.StatusChanged.self)
            let from = change.validFrom, until = change.validTo
            // As the registry does: later records give way to the new one, earlier ones end where it starts.
            try await transaction.query("DELETE FROM statistics.statuses WHERE person_id = \(change.personId) AND valid_from >= \(from)")
            try await transaction.query(
                """
                UPDATE statistics.statuses SET valid_to = \(from)
                WHERE person_id = \(change.personId) AND (valid_to IS NULL OR valid_to > \(from))
                """)
            try await transaction.query(
                """
                INSERT INTO statistics.statuses (person_id, valid_from, valid_to, status)
                VALUES (\(change.personId), \(from), \(until), \(change.status))
                """)
        case (ReferralEvents.Changed.type, 1):
            let referral = try event.decode(ReferralEvents.Changed.self)
            try await transaction.query(
                """
                INSERT INTO statistics.referrals (referral_id, person_id, kind, status, outcome, outcome_on, amount_vnd,
                                                  commune_code, province_code, referred_on)
                VALUES (\(referral.referralId), \(referral.personId), \(referral.kind), \(referral.status), \(referral.outcome),
                        \(referral.outcomeOn), \(referral.amountVnd), \(referral.communeCode),
                        \(referral.provinceCode), \(referral.referredOn))
                ON CONFLICT (referral_id) DO UPDATE SET status = excluded.status, outcome = excluded.outcome,
                    outcome_on = excluded.outcome_on, amount_vnd = excluded.amount_vnd
                """)
        default:
            return
        }
    }

    private func residence(_ person: UUID, from day: CalendarDate, commune: String, province: String, _ transaction: PostgresConnection) async throws
    {
        try await transaction.query(
            """
            INSERT INTO statistics.residences (person_id, from_date, commune_code, province_code)
            VALUES (\(person), \(day), \(commune), \(province))
            ON CONFLICT (person_id, from_date) DO UPDATE SET commune_code = excluded.commune_code, province_code = excluded.province_code
            """)
    }
}
