import EventBus
import Foundation
import Logging
import Postgres

/// Keeps the statistics service's counting tables from the registry's person events and the
/// referrals service's referral events (consumer `statistics.counts`, from the beginning of the
/// log, so a new or emptied database rebuilds itself). Each event is applied in the transaction
/// that advances the consumer, and every write is an upsert: applying an event again changes nothing.
///
/// The payloads are decoded into this service's own views of them: only the fields it counts.
struct CountingEventHandler: EventHandler {
    let logger: Logger

    static let consumerName = "statistics.counts"
    static let topics = ["registry.person", "referrals.referral"]

    struct Registered: Decodable {
        let personId: UUID
        let communeCode: String
        let provinceCode: String
        let sex: String
        let birthYear: Int
        let registeredOn: String
    }

    struct Changed: Decodable {
        let personId: UUID
        let sex: String
        let birthYear: Int
    }

    struct Moved: Decodable {
        let personId: UUID
        let toCommuneCode: String
        let toProvinceCode: String
        let movedOn: String
    }

    struct StatusChanged: Decodable {
        let personId: UUID
        let status: String
        let validFrom: String
        let validTo: String?
    }

    struct ReferralChanged: Decodable {
        let referralId: UUID
        let personId: UUID
        let kind: String
        let status: String
        let outcome: String?
        let outcomeOn: String?
        let amountVnd: Int?
        let communeCode: String
        let provinceCode: String
        let referredOn: String
    }

    func handle(_ event: EventEnvelope, in transaction: PostgresConnection) async throws {
        switch (event.type, event.version) {
        case ("registry.person.registered", 1):
            let person = try event.decode(Registered.self)
            guard let day = date(person.registeredOn, event) else { return }
            try await transaction.query("""
                INSERT INTO statistics.people (person_id, sex, birth_year, registered_on)
                VALUES (\(person.personId), \(person.sex), \(person.birthYear), \(day))
                ON CONFLICT (person_id) DO UPDATE SET sex = excluded.sex, birth_year = excluded.birth_year,
                    registered_on = excluded.registered_on
                """)
            try await residence(person.personId, from: day, commune: person.communeCode, province: person.provinceCode, transaction)
        case ("registry.person.changed", 1):
            let person = try event.decode(Changed.self)
            try await transaction.query("""
                UPDATE statistics.people SET sex = \(person.sex), birth_year = \(person.birthYear) WHERE person_id = \(person.personId)
                """)
        case ("registry.person.moved", 1):
            let move = try event.decode(Moved.self)
            guard let day = date(move.movedOn, event) else { return }
            try await residence(move.personId, from: day, commune: move.toCommuneCode, province: move.toProvinceCode, transaction)
        case ("registry.person.status_changed", 1):
            let change = try event.decode(StatusChanged.self)
            guard let from = date(change.validFrom, event) else { return }
            let until = change.validTo.flatMap { CalendarDate($0) }
            // As the registry does: later records give way to the new one, earlier ones end where it starts.
            try await transaction.query("DELETE FROM statistics.statuses WHERE person_id = \(change.personId) AND valid_from >= \(from)")
            try await transaction.query("""
                UPDATE statistics.statuses SET valid_to = \(from)
                WHERE person_id = \(change.personId) AND (valid_to IS NULL OR valid_to > \(from))
                """)
            try await transaction.query("""
                INSERT INTO statistics.statuses (person_id, valid_from, valid_to, status)
                VALUES (\(change.personId), \(from), \(until), \(change.status))
                """)
        case ("referrals.referral.changed", 1):
            let referral = try event.decode(ReferralChanged.self)
            guard let referred = date(referral.referredOn, event) else { return }
            try await transaction.query("""
                INSERT INTO statistics.referrals (referral_id, person_id, kind, status, outcome, outcome_on, amount_vnd,
                                                  commune_code, province_code, referred_on)
                VALUES (\(referral.referralId), \(referral.personId), \(referral.kind), \(referral.status), \(referral.outcome),
                        \(referral.outcomeOn.flatMap { CalendarDate($0) }), \(referral.amountVnd), \(referral.communeCode),
                        \(referral.provinceCode), \(referred))
                ON CONFLICT (referral_id) DO UPDATE SET status = excluded.status, outcome = excluded.outcome,
                    outcome_on = excluded.outcome_on, amount_vnd = excluded.amount_vnd
                """)
        default:
            return
        }
    }

    private func residence(_ person: UUID, from day: CalendarDate, commune: String, province: String, _ transaction: PostgresConnection) async throws {
        try await transaction.query("""
            INSERT INTO statistics.residences (person_id, from_date, commune_code, province_code)
            VALUES (\(person), \(day), \(commune), \(province))
            ON CONFLICT (person_id, from_date) DO UPDATE SET commune_code = excluded.commune_code, province_code = excluded.province_code
            """)
    }

    /// A date field of a validated payload; an unreadable one is logged and the event skipped
    /// (the catalogue check at publishing makes this a bug in the producer, not a retryable failure).
    private func date(_ text: String, _ event: EventEnvelope) -> CalendarDate? {
        guard let day = CalendarDate(text) else {
            logger.warning("Skipping an event with an unreadable date", metadata: ["bus.event.id": "\(event.id)", "bus.event.type": "\(event.type)"])
            return nil
        }
        return day
    }
}
