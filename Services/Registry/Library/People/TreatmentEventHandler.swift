import ContractValues
import EventBus
import Foundation
import Logging
import Postgres
import RegistryContracts
import TreatmentContracts

/// Applies the treatment service's events (consumer `registry.treatment-status`), each in the
/// transaction that moves the consumer's position, so exactly once:
/// - `treatment.person_status.changed` keeps each person's dated management status current and is
///   told to the others as `registry.person.status_changed`;
/// - `treatment.episode.changed` records which facility follows the person, which decides what
///   that facility's staff may see.
struct TreatmentEventHandler: EventHandler {
    let publisher: EventPublisher
    let logger: Logger

    static let consumerName = "registry.treatment-status"

    func handle(_ event: EventEnvelope, in transaction: PostgresConnection) async throws {
        switch (event.type, event.version) {
        case (TreatmentEvents.PersonStatusChanged.type, 1):
            try await applyStatus(try event.decode(TreatmentEvents.PersonStatusChanged.self), event, transaction)
        case (TreatmentEvents.EpisodeChanged.type, 1):
            try await applyEpisode(try event.decode(TreatmentEvents.EpisodeChanged.self), transaction)
        default:
            return
        }
    }

    private func applyEpisode(_ episode: TreatmentEvents.EpisodeChanged, _ transaction: PostgresConnection) async throws {
        let episodes = FacilityEpisodeStore(connection: transaction)
        guard let facility = episode.facilityId else {
            try await episodes.remove(episode.episodeId)
            return
        }
        try await episodes.save(
            episode: episode.episodeId, person: episode.personId, facility: facility, startedOn: episode.startedOn, endedOn: episode.endedOn)
    }

    private func applyStatus(
        _ change: TreatmentEvents.PersonStatusChanged, _ event: EventEnvelope, _ transaction: PostgresConnection
    ) async throws {
        guard TreatmentEvents.PersonStatusChanged.statuses.contains(change.status) else {
            logger.warning("Ignoring a treatment status event the registry cannot apply", metadata: ["bus.event.id": "\(event.id)"])
            return
        }
        let store = PersonStore(connection: transaction)
        guard let (version, commune) = try await store.lockForChange(change.personId) else {
            logger.warning("Treatment status for a person the registry does not know", metadata: ["registry.person.id": "\(change.personId)"])
            return
        }
        // An end on or before the start would break the table's rule and hold every later event of
        // the person behind this one: the status is applied without an end, and the oddity logged.
        var validTo = change.validTo
        if let end = validTo, end <= change.validFrom {
            logger.warning(
                "A treatment status ends on or before it starts; applied without an end",
                metadata: ["bus.event.id": "\(event.id)", "registry.person.id": "\(change.personId)"])
            validTo = nil
        }
        // Later records are ended at the new status's start or replaced when they start the same day.
        try await store.applyStatus(
            DatedStatus(personID: change.personId, status: change.status, validFrom: change.validFrom, validTo: validTo, basis: change.reason),
            replacingLater: true, by: nil)
        try await store.touch(change.personId)
        try await store.recordChanges([
            ChangeRecord(
                person: change.personId, version: version + 1, changedBy: nil, label: "treatment", communeCode: commune, action: "status",
                changes: [
                    "status": .object(["new": .string(change.status.rawValue)]), "validFrom": .string(change.validFrom.description),
                    "reason": .string(change.reason),
                ])
        ])
        try await publisher.publish(
            PersonEvents.StatusChanged(
                personId: change.personId, status: change.status, validFrom: change.validFrom, validTo: validTo,
                communeCode: commune), correlationID: event.correlationID, on: transaction)
    }
}
