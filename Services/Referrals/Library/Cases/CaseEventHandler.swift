import EventBus
import Foundation
import Logging
import Postgres
import ReferralsContracts
import RegistryContracts
import TreatmentContracts

/// Keeps reintegration cases in step with the other services (consumer `referrals.cases`), each
/// event in the transaction that moves the consumer's position, so exactly once:
/// - `treatment.aftercare.started` opens the after-care period's case for the person's commune
///   (a replayed event opens nothing twice: one case per after-care period);
/// - `treatment.support_needs.recorded` adds the needs to it (and opens it, when its start was
///   never seen);
/// - `treatment.aftercare.moved` and `registry.person.moved` hand the person's open cases to the
///   new commune;
/// - `treatment.aftercare.ended` closes it;
/// Each change is published as `referrals.case.changed`.
struct CaseEventHandler: EventHandler {
    let publisher: EventPublisher
    let logger: Logger

    static let consumerName = "referrals.cases"
    static let topics = [TreatmentEvents.personTopic, PersonEvents.topic]

    func handle(_ event: EventEnvelope, in transaction: PostgresConnection) async throws {
        let store = CaseStore(connection: transaction)
        switch (event.type, event.version) {
        case (TreatmentEvents.AftercareStarted.type, 1):
            let started = try event.decode(TreatmentEvents.AftercareStarted.self)
            let id = UUID()
            guard
                try await store.open(
                    id: id, person: started.personId, aftercare: started.aftercareId, on: started.startsOn, needs: [],
                    commune: started.communeCode, province: started.provinceCode)
            else { return }
            try await publish(id, store, event)
        case (TreatmentEvents.SupportNeedsRecorded.type, 1):
            let needs = try event.decode(TreatmentEvents.SupportNeedsRecorded.self)
            let known = needs.needs.filter { ReintegrationCase.Need(rawValue: $0) != nil }
            guard let current = try await store.reintegrationCase(ofAftercare: needs.aftercareId) else {
                // The after-care's start came before this consumer: the needs open its case.
                let id = UUID()
                if try await store.open(
                    id: id, person: needs.personId, aftercare: needs.aftercareId, on: needs.recordedOn, needs: [],
                    commune: needs.communeCode, province: needs.provinceCode)
                {
                    try await store.addNeeds(id, known)
                    try await publish(id, store, event)
                }
                return
            }
            guard current.status == .open else { return }
            try await store.addNeeds(current.id, known)
            try await publish(current.id, store, event)
        case (TreatmentEvents.AftercareEnded.type, 1):
            let ended = try event.decode(TreatmentEvents.AftercareEnded.self)
            guard let current = try await store.reintegrationCase(ofAftercare: ended.aftercareId), current.status == .open else { return }
            try await store.close(current.id, on: max(ended.endedOn, current.openedOn), reason: "aftercare_ended", note: nil)
            try await publish(current.id, store, event)
        case (TreatmentEvents.AftercareMoved.type, 1):
            let moved = try event.decode(TreatmentEvents.AftercareMoved.self)
            for id in try await store.handOver(person: moved.personId, to: moved.communeCode, province: moved.provinceCode) {
                try await publish(id, store, event)
            }
        case (PersonEvents.Moved.type, 1):
            let move = try event.decode(PersonEvents.Moved.self)
            for id in try await store.handOver(person: move.personId, to: move.toCommuneCode, province: move.toProvinceCode) {
                try await publish(id, store, event)
            }
        default:
            return
        }
    }

    private func publish(_ id: UUID, _ store: CaseStore, _ event: EventEnvelope) async throws {
        guard let current = try await store.reintegrationCase(id, visibleTo: nil) else { return }
        try await publisher.publish(current.changed, correlationID: event.correlationID, on: store.connection)
    }
}
