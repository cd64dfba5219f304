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
/// Under load the consumer hands over batches (`handle(batch:in:)`, at most `slotsPerBatch` x
/// `eventsPerSlot` events): the contributions of all of their people before and after, and one
/// addition of the summed difference, so that the rows every event touches (the province's and
/// the country's, today's) are written once per batch rather than once per event; and the batch
/// commits without waiting for the disk (`transactionSettings`).
///
/// The payloads are decoded as the producers' contract types (`CountingChange`); a payload that
/// does not decode fails the event, which the consumer retries and then parks as dead.
struct CountingEventHandler: BatchEventHandler {
    let logger: Logger
    /// The counting tables written (the fresh ones while a rebuild replays the log).
    var tables = CountingTables.live
    /// Whether each event's person's contributions to the live aggregates are recomputed (a
    /// rebuild fills the counting tables first and counts everyone at once).
    var tallying = true

    static let consumerName = "statistics.counts"
    static let topics = [PersonEvents.topic, ReferralEvents.topic, ReferralEvents.caseTopic, ProgrammeEvents.topic, TreatmentEvents.personTopic]

    /// The live consumer's reading: at most 16 slots and 4 events of each per batch. A batch of
    /// thousands would hold its events for seconds (and its lock with them); a few dozen share
    /// the hot rows' writes and still end well within a second.
    static let slotsPerBatch = 16
    static let eventsPerSlot = 4
    /// Workers of the live consumer in one process, each its own slots, batch and connection:
    /// an event that arrives while one worker's batch runs is taken by the other at once.
    /// Writers lock only their batch's people (`TallyStore.lock(people:)`).
    static let workers = 2
    /// Each batch's transaction plans its statements once per connection (a custom plan of the
    /// contributions query took longer to make than to run) and commits without waiting for the
    /// disk: its writes and its position in the log commit together, so a crash that loses the
    /// last commits loses both, and the events are applied again from the log (which producers
    /// commit durably); what it saves is a disk flush per batch, the wait every event in it shares.
    static let transactionSettings: [TransactionSetting] = [.genericPlans, .commitWithoutWaitingForDisk]

    func handle(_ event: EventEnvelope, in transaction: PostgresConnection) async throws {
        guard let change = try CountingChange(event) else { return }
        try await apply([change], in: transaction)
    }

    /// The same as each event in turn: the counting writes in rounds (`CountingWrites`), and the
    /// difference they make to the contributions of every person they name added once.
    func handle(batch events: [EventEnvelope], in transaction: PostgresConnection) async throws {
        let changes = try events.compactMap { try CountingChange($0) }
        guard !changes.isEmpty else { return }
        try await apply(changes, in: transaction, batched: true)
    }

    /// Runs `changes` on the counting tables and, when tallying, adds the difference they make to
    /// the contributions of the people they name, in the families of measures they can alter
    /// (a status change recomputes a person's statuses, not their episodes or cases): for a batch
    /// of status changes, the lock, the contributions before, the writes, the contributions after
    /// and the addition (with the consumer's claim, position and commit around them).
    /// A batch's writes to a rebuild's fresh tables are planned for their arrays
    /// (`CountingWrites.planEachStatement`); the live consumer's generic plans
    /// (`transactionSettings`) look the live tables' rows up by key whatever the batch.
    private func apply(_ changes: [CountingChange], in transaction: PostgresConnection, batched: Bool = false) async throws {
        let writes = CountingWrites(connection: transaction, tables: tables)
        if batched && tables != .live { try await writes.planEachStatement() }
        var seen = Set<UUID>()
        let people = changes.compactMap(\.person).filter { seen.insert($0).inserted }
        let families = changes.reduce(into: Contributions.Families()) { $0.formUnion($1.families) }
        guard tallying, !people.isEmpty, !families.isEmpty else { return try await writes.apply(changes) }
        let tallies = TallyStore(connection: transaction, tables: tables)
        try await tallies.lock(people: people)
        let whose: Contributions.People = people.count == 1 ? .one(people[0]) : .some(people)
        let before = try await tallies.contributions(of: whose, families: families)
        try await writes.apply(changes)
        try await tallies.add(Tally.difference(from: before, to: try await tallies.contributions(of: whose, families: families)))
    }
}
