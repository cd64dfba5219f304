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
/// The payloads are decoded as the producers' contract types (`RegistryContracts`,
/// `ReferralsContracts`); a payload that does not decode fails the event, which the consumer
/// retries and then parks as dead (the catalogue check at publishing makes that a producer's bug).
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
        let store = CountingStore(connection: transaction, tables: tables)
        let treatment = TreatmentCountingStore(connection: transaction, tables: tables)
        let reintegration = ReintegrationCountingStore(connection: transaction, tables: tables)
        switch (event.type, event.version) {
        case (PersonEvents.RegisteredV1.type, PersonEvents.RegisteredV1.version):
            let registered = PersonEvents.Registered(try event.decode(PersonEvents.RegisteredV1.self))
            try await counted(registered.personId, in: transaction) { try await store.savePerson(registered) }
        case (PersonEvents.Registered.type, PersonEvents.Registered.version):
            let registered = try event.decode(PersonEvents.Registered.self)
            try await counted(registered.personId, in: transaction) { try await store.savePerson(registered) }
        case (PersonEvents.Changed.type, 1):
            let changed = try event.decode(PersonEvents.Changed.self)
            try await counted(changed.personId, in: transaction) { try await store.updatePerson(changed) }
        case (PersonEvents.Moved.type, 1):
            let move = try event.decode(PersonEvents.Moved.self)
            try await counted(move.personId, in: transaction) {
                try await store.saveResidence(move.personId, from: move.movedOn, commune: move.toCommuneCode, province: move.toProvinceCode)
            }
        case (PersonEvents.StatusChanged.type, 1):
            let change = try event.decode(PersonEvents.StatusChanged.self)
            try await counted(change.personId, in: transaction) { try await store.applyStatus(change) }
        case (ReferralEvents.Changed.type, 1):
            let referral = try event.decode(ReferralEvents.Changed.self)
            try await counted(referral.personId, in: transaction) { try await store.saveReferral(referral) }
        case (ReferralEvents.StepRecorded.type, 1):
            let step = try event.decode(ReferralEvents.StepRecorded.self)
            try await counted(step.personId, in: transaction) { try await treatment.saveStep(step) }
        case (TreatmentEvents.DeterminationRecorded.type, 1):
            let determination = try event.decode(TreatmentEvents.DeterminationRecorded.self)
            try await counted(determination.personId, in: transaction) { try await treatment.saveDetermination(determination) }
        case (TreatmentEvents.EpisodeStarted.type, 1):
            let started = try event.decode(TreatmentEvents.EpisodeStarted.self)
            try await counted(started.personId, in: transaction) { try await treatment.saveStart(started) }
        case (TreatmentEvents.EpisodeEnded.type, 1):
            let ended = try event.decode(TreatmentEvents.EpisodeEnded.self)
            try await counted(ended.personId, in: transaction) { try await treatment.saveEnd(ended) }
        case (TreatmentEvents.AftercareStarted.type, 1):
            let started = try event.decode(TreatmentEvents.AftercareStarted.self)
            try await counted(started.personId, in: transaction) { try await treatment.saveAftercare(started) }
        case (TreatmentEvents.AftercareEnded.type, 1):
            let ended = try event.decode(TreatmentEvents.AftercareEnded.self)
            try await counted(ended.personId, in: transaction) { try await treatment.endAftercare(ended) }
        case (TreatmentEvents.RelapseRecorded.type, 1):
            let relapse = try event.decode(TreatmentEvents.RelapseRecorded.self)
            try await counted(relapse.personId, in: transaction) { try await treatment.saveRelapse(relapse) }
        case (ReferralEvents.CaseChanged.type, 1):
            let changed = try event.decode(ReferralEvents.CaseChanged.self)
            try await counted(changed.personId, in: transaction) { try await reintegration.saveCase(changed) }
        case (ReferralEvents.CounsellingGiven.type, 1):
            let given = try event.decode(ReferralEvents.CounsellingGiven.self)
            try await counted(given.personId, in: transaction) { try await reintegration.saveCounselling(given) }
        case (ProgrammeEvents.Recorded.type, 1):
            // Read straight from its table by the programme indicators: no aggregates to keep.
            try await reintegration.saveProgramme(try event.decode(ProgrammeEvents.Recorded.self))
        default:
            return
        }
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
