import EventBus
import Foundation
import Logging
import Postgres
import RegistryContracts
import TreatmentContracts

/// Applies the registry's `registry.person.moved` events (consumer `treatment.registry-moves`), in
/// the transaction that moves the consumer's position, so exactly once: the person's whole
/// treatment record (episodes, after-care, determinations, tests, relapses, monitoring,
/// declarations) follows them to the new commune, whose officers see it and whose deadline list
/// shows what falls due from then on; the old commune keeps reading the contacts it logged
/// (`GET /v1/contacts`). A moved after-care is told
/// to the others as `treatment.aftercare.moved`.
struct RegistryMoveHandler: EventHandler {
    let publisher: EventPublisher
    let logger: Logger

    static let consumerName = "treatment.registry-moves"

    func handle(_ event: EventEnvelope, in transaction: PostgresConnection) async throws {
        guard event.type == PersonEvents.Moved.type, event.version == 1 else { return }
        let move = try event.decode(PersonEvents.Moved.self)
        let moved = try await AftercareStore(connection: transaction).move(
            person: move.personId, to: move.toCommuneCode, province: move.toProvinceCode, on: move.movedOn)
        try await EpisodeStore(connection: transaction).move(person: move.personId, to: move.toCommuneCode, province: move.toProvinceCode)
        guard let moved else { return }
        try await publisher.publish(
            TreatmentEvents.AftercareMoved(
                aftercareId: moved.id, personId: move.personId, fromCommuneCode: moved.from, communeCode: move.toCommuneCode,
                provinceCode: move.toProvinceCode, on: move.movedOn), correlationID: event.correlationID, on: transaction)
        logger.info("After-care followed a move", metadata: ["treatment.aftercare.id": "\(moved.id)", "bus.event.id": "\(event.id)"])
    }
}
