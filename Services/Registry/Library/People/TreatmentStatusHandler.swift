import EventBus
import Foundation
import Logging
import Postgres
import Treatment

/// Keeps each person's dated management status current from the treatment service's
/// `treatment.person_status.changed` events (consumer `registry.treatment-status`), and tells the
/// others through `registry.person.status_changed`, in the same transaction as the consumer's
/// position: applied exactly once.
struct TreatmentStatusHandler: EventHandler {
    let publisher: EventPublisher
    let logger: Logger

    static let consumerName = "registry.treatment-status"

    func handle(_ event: EventEnvelope, in transaction: PostgresConnection) async throws {
        guard event.type == TreatmentEvents.PersonStatusChanged.type, event.version == 1 else { return }
        let change = try event.decode(TreatmentEvents.PersonStatusChanged.self)
        guard TreatmentEvents.PersonStatusChanged.statuses.contains(change.status),
              let from = CalendarDate(change.validFrom) else {
            logger.warning("Ignoring a treatment status event the registry cannot apply", metadata: ["bus.event.id": "\(event.id)"])
            return
        }
        let until = change.validTo.flatMap { CalendarDate($0) }
        guard let person = try await transaction.query("""
            SELECT version, residence_commune_code FROM registry.people WHERE id = \(change.personId) FOR UPDATE
            """).first else {
            logger.warning("Treatment status for a person the registry does not know", metadata: ["registry.person.id": "\(change.personId)"])
            return
        }
        let (version, commune) = try person.decode((Int, String).self)
        // Later records are ended at the new status's start or replaced when they start the same day.
        try await transaction.query("DELETE FROM registry.person_statuses WHERE person_id = \(change.personId) AND valid_from >= \(from)")
        try await transaction.query("""
            UPDATE registry.person_statuses SET valid_to = \(from)
            WHERE person_id = \(change.personId) AND (valid_to IS NULL OR valid_to > \(from))
            """)
        try await transaction.query("""
            INSERT INTO registry.person_statuses (person_id, valid_from, valid_to, status, basis)
            VALUES (\(change.personId), \(from), \(until), \(change.status), \(change.reason))
            """)
        try await transaction.query("UPDATE registry.people SET updated_at = now(), version = version + 1 WHERE id = \(change.personId)")
        let changes = JSONValue.object([
            "status": .object(["new": .string(change.status)]), "validFrom": .string(change.validFrom),
            "reason": .string(change.reason),
        ])
        try await transaction.query("""
            INSERT INTO registry.person_changes (person_id, version, changed_by_label, commune_code, action, changes)
            VALUES (\(change.personId), \(version + 1), 'treatment', \(commune), 'status',
                    \(String(decoding: try JSONEncoder.sorted.encode(changes), as: UTF8.self))::jsonb)
            """)
        try await publisher.publish(PersonEvents.StatusChanged(
            personId: change.personId, status: change.status, validFrom: change.validFrom, validTo: change.validTo,
            communeCode: commune), correlationID: event.correlationID, on: transaction)
    }
}
