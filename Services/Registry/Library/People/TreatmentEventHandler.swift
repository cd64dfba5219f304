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
        guard let facility = episode.facilityId else {
            try await transaction.query("DELETE FROM registry.facility_episodes WHERE episode_id = \(episode.episodeId)")
            return
        }
        try await transaction.query(
            """
            INSERT INTO registry.facility_episodes (episode_id, person_id, facility_id, started_on, ended_on)
            VALUES (\(episode.episodeId), \(episode.personId), \(facility), \(episode.startedOn), \(episode.endedOn))
            ON CONFLICT (episode_id) DO UPDATE SET person_id = excluded.person_id, facility_id = excluded.facility_id,
                started_on = excluded.started_on, ended_on = excluded.ended_on
            """)
    }

    private func applyStatus(
        _ change: TreatmentEvents.PersonStatusChanged, _ event: EventEnvelope, _ transaction: PostgresConnection
    ) async throws {
        guard TreatmentEvents.PersonStatusChanged.statuses.contains(change.status) else {
            logger.warning("Ignoring a treatment status event the registry cannot apply", metadata: ["bus.event.id": "\(event.id)"])
            return
        }
        let from = change.validFrom, until = change.validTo
        guard
            let person = try await transaction.query(
                """
                SELECT version, residence_commune_code FROM registry.people WHERE id = \(change.personId) FOR UPDATE
                """
            ).first
        else {
            logger.warning("Treatment status for a person the registry does not know", metadata: ["registry.person.id": "\(change.personId)"])
            return
        }
        let (version, commune) = try person.decode((Int, String).self)
        // Later records are ended at the new status's start or replaced when they start the same day.
        try await transaction.query("DELETE FROM registry.person_statuses WHERE person_id = \(change.personId) AND valid_from >= \(from)")
        try await transaction.query(
            """
            UPDATE registry.person_statuses SET valid_to = \(from)
            WHERE person_id = \(change.personId) AND (valid_to IS NULL OR valid_to > \(from))
            """)
        try await transaction.query(
            """
            INSERT INTO registry.person_statuses (person_id, valid_from, valid_to, status, basis)
            VALUES (\(change.personId), \(from), \(until), \(change.status), \(change.reason))
            """)
        try await transaction.query("UPDATE registry.people SET updated_at = now(), version = version + 1 WHERE id = \(change.personId)")
        let changes = JSONValue.object([
            "status": .object(["new": .string(change.status)]), "validFrom": .string(change.validFrom.description),
            "reason": .string(change.reason),
        ])
        try await transaction.query(
            """
            INSERT INTO registry.person_changes (person_id, version, changed_by_label, commune_code, action, changes)
            VALUES (\(change.personId), \(version + 1), 'treatment', \(commune), 'status',
                    \(changes.text)::jsonb)
            """)
        try await publisher.publish(
            PersonEvents.StatusChanged(
                personId: change.personId, status: change.status, validFrom: change.validFrom, validTo: change.validTo,
                communeCode: commune), correlationID: event.correlationID, on: transaction)
    }
}
