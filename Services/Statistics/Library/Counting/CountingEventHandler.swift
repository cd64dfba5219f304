import EventBus
import Foundation
import Logging
import Postgres
import ReferralsContracts
import RegistryContracts
import TreatmentContracts

/// Keeps the statistics service's counting tables from the registry's person events, the
/// treatment service's (determinations, episodes, after-care, relapses) and the referrals
/// service's referral events (consumer `statistics.counts`, from the beginning of the
/// log, so a new or emptied database rebuilds itself). Each event is applied in the transaction
/// that advances the consumer, and every write is an upsert: applying an event again changes nothing.
///
/// The payloads are decoded as the producers' contract types (`RegistryContracts`,
/// `ReferralsContracts`); a payload that does not decode fails the event, which the consumer
/// retries and then parks as dead (the catalogue check at publishing makes that a producer's bug).
struct CountingEventHandler: EventHandler {
    let logger: Logger

    static let consumerName = "statistics.counts"
    static let topics = [PersonEvents.topic, ReferralEvents.topic, TreatmentEvents.personTopic]

    func handle(_ event: EventEnvelope, in transaction: PostgresConnection) async throws {
        let store = CountingStore(connection: transaction)
        switch (event.type, event.version) {
        case (PersonEvents.RegisteredV1.type, PersonEvents.RegisteredV1.version):
            try await store.savePerson(PersonEvents.Registered(try event.decode(PersonEvents.RegisteredV1.self)))
        case (PersonEvents.Registered.type, PersonEvents.Registered.version):
            try await store.savePerson(try event.decode(PersonEvents.Registered.self))
        case (PersonEvents.Changed.type, 1):
            try await store.updatePerson(try event.decode(PersonEvents.Changed.self))
        case (PersonEvents.Moved.type, 1):
            let move = try event.decode(PersonEvents.Moved.self)
            try await store.saveResidence(move.personId, from: move.movedOn, commune: move.toCommuneCode, province: move.toProvinceCode)
        case (PersonEvents.StatusChanged.type, 1):
            try await store.applyStatus(try event.decode(PersonEvents.StatusChanged.self))
        case (ReferralEvents.Changed.type, 1):
            try await store.saveReferral(try event.decode(ReferralEvents.Changed.self))
        case (ReferralEvents.StepRecorded.type, 1):
            try await TreatmentCountingStore(connection: transaction).saveStep(try event.decode(ReferralEvents.StepRecorded.self))
        case (TreatmentEvents.DeterminationRecorded.type, 1):
            try await TreatmentCountingStore(connection: transaction).saveDetermination(try event.decode(TreatmentEvents.DeterminationRecorded.self))
        case (TreatmentEvents.EpisodeStarted.type, 1):
            try await TreatmentCountingStore(connection: transaction).saveStart(try event.decode(TreatmentEvents.EpisodeStarted.self))
        case (TreatmentEvents.EpisodeEnded.type, 1):
            try await TreatmentCountingStore(connection: transaction).saveEnd(try event.decode(TreatmentEvents.EpisodeEnded.self))
        case (TreatmentEvents.AftercareStarted.type, 1):
            try await TreatmentCountingStore(connection: transaction).saveAftercare(try event.decode(TreatmentEvents.AftercareStarted.self))
        case (TreatmentEvents.AftercareEnded.type, 1):
            try await TreatmentCountingStore(connection: transaction).endAftercare(try event.decode(TreatmentEvents.AftercareEnded.self))
        case (TreatmentEvents.RelapseRecorded.type, 1):
            try await TreatmentCountingStore(connection: transaction).saveRelapse(try event.decode(TreatmentEvents.RelapseRecorded.self))
        default:
            return
        }
    }
}
