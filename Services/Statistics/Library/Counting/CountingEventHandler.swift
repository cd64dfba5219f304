import EventBus
import Foundation
import Logging
import Postgres
import ReferralsContracts
import RegistryContracts
import TreatmentContracts

/// Keeps the statistics service's counting tables from the registry's person and programme events,
/// the treatment service's (determinations, episodes, after-care, relapses) and the referrals
/// service's referral and case events (consumer `statistics.counts`, from the beginning of the
/// log, so a new or emptied database rebuilds itself), and with them the live aggregates: the
/// contributions of the event's person are computed before and after it, and the difference
/// added. Each event is applied in the transaction that advances the consumer, and every write is
/// an upsert or a recomputation: applying an event again changes nothing.
///
/// The payloads are decoded as the producers' contract types (`CountingChange`); a payload that
/// does not decode fails the event, which the consumer retries and then parks as dead.
struct CountingEventHandler: EventHandler {
    let logger: Logger
    /// The counting tables written (the fresh ones while a rebuild replays the log).
    var tables = CountingTables.live
    /// Whether each event's person's contributions to the live aggregates are recomputed (a
    /// rebuild fills the counting tables first and counts everyone at once).
    var tallying = true

    static let consumerName = "statistics.counts"
    static let topics = [PersonEvents.topic, ReferralEvents.topic, ReferralEvents.caseTopic, ProgrammeEvents.topic, TreatmentEvents.personTopic]

    func handle(_ event: EventEnvelope, in transaction: PostgresConnection) async throws {
        guard let change = try CountingChange(event) else { return }
        let writes = CountingWrites(connection: transaction, tables: tables)
        guard let person = change.person else {
            // A programme record: read straight from its table by the programme indicators.
            try await writes.apply([change])
            return
        }
        try await counted(person, in: transaction) { try await writes.apply([change]) }
    }

    /// Runs `change` on the counting tables and, when tallying, adds the difference it makes to
    /// `person`'s contributions to the live aggregates.
    private func counted(_ person: UUID, in transaction: PostgresConnection, _ change: () async throws -> Void) async throws {
        guard tallying else {
            try await change()
            return
        }
        let tallies = TallyStore(connection: transaction, tables: tables)
        try await tallies.lock()
        let before = try await tallies.contributions(of: person)
        try await change()
        try await tallies.add(Tally.difference(from: before, to: try await tallies.contributions(of: person)))
    }
}
