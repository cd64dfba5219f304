import Foundation
import Postgres

/// Publishes events into `bus.events` on the caller's connection, so an event commits or rolls
/// back with the business write of the same transaction (the outbox pattern).
///
/// Every event is checked against the catalogue first: an unknown type or version, or a payload
/// that does not match its definition, throws and writes nothing. Once the transaction commits,
/// `notifier` wakes the topic's consumers (once per topic, whatever the number of events).
public struct EventPublisher: Sendable {
    public let catalogue: EventCatalogue
    /// The publishing service (`registry`).
    public let producer: String
    public let notifier: BusNotifier

    public init(catalogue: EventCatalogue, producer: String, notifier: BusNotifier) {
        self.catalogue = catalogue
        self.producer = producer
        self.notifier = notifier
    }

    /// Publishes a typed event inside the caller's transaction.
    public func publish<Event: BusEvent>(
        _ event: Event, occurredAt: Date = .now, correlationID: UUID? = nil, on connection: PostgresConnection
    ) async throws {
        guard let definition = catalogue.definition(type: Event.type, version: Event.version) else {
            throw EventBusError(.unknownEventType, "\(Event.type) v\(Event.version) is not in the event catalogue")
        }
        let value = try JSONValueEncoder().encode(event)
        let problems = definition.problems(in: value)
        guard problems.isEmpty, !event.key.isEmpty else {
            throw EventBusError(.invalidPayload, "the payload does not match \(Event.type) v\(Event.version)", problems: problems)
        }
        try await insert(
            definition, type: Event.type, version: Event.version, key: event.key, payload: value.text,
            occurredAt: occurredAt, correlationID: correlationID, on: connection)
    }

    /// Publishes an event given as JSON text (re-drives, tools); validated like a typed one.
    public func publish(
        type: String, version: Int, key: String, payload: String, occurredAt: Date = .now,
        correlationID: UUID? = nil, on connection: PostgresConnection
    ) async throws {
        guard let definition = catalogue.definition(type: type, version: version) else {
            throw EventBusError(.unknownEventType, "\(type) v\(version) is not in the event catalogue")
        }
        guard !key.isEmpty else { throw EventBusError(.invalidPayload, "the event key must not be empty") }
        let value: JSONValue
        do {
            value = try JSONValue.parse(payload)
        } catch {
            throw EventBusError(.invalidPayload, "the payload of \(type) v\(version) is not JSON")
        }
        let problems = definition.problems(in: value)
        guard problems.isEmpty else {
            throw EventBusError(.invalidPayload, "the payload does not match \(type) v\(version)", problems: problems)
        }
        try await insert(
            definition, type: type, version: version, key: key, payload: payload, occurredAt: occurredAt,
            correlationID: correlationID, on: connection)
    }

    /// Writes one checked event and asks for its topic to be woken after the commit.
    private func insert(
        _ definition: EventDefinition, type: String, version: Int, key: String, payload: String, occurredAt: Date,
        correlationID: UUID?, on connection: PostgresConnection
    ) async throws {
        try await connection.query(
            """
            INSERT INTO bus.events (topic, type, version, key, slot, occurred_at, producer, correlation_id, payload)
            VALUES (\(definition.topic), \(type), \(version), \(key), \(Int16(Self.slot(of: key))), \(occurredAt),
                    \(producer), \(correlationID), \(payload)::jsonb)
            """)
        wakeAfterCommit(definition.topic, on: connection)
    }

    private func wakeAfterCommit(_ topic: String, on connection: PostgresConnection) {
        let notifier = self.notifier
        // Once per topic and transaction, however many events it publishes.
        connection.afterCommit(key: "bus.wake." + topic) { notifier.wake(topic) }
    }

    /// Publishes many typed events of one type in one statement (bulk imports), inside the
    /// caller's transaction; each is validated like a single one, and one invalid event writes none.
    public func publish<Event: BusEvent>(
        batch events: [Event], occurredAt: Date = .now, correlationID: UUID? = nil, on connection: PostgresConnection
    ) async throws {
        guard !events.isEmpty else { return }
        guard let definition = catalogue.definition(type: Event.type, version: Event.version) else {
            throw EventBusError(.unknownEventType, "\(Event.type) v\(Event.version) is not in the event catalogue")
        }
        let encoder = JSONValueEncoder()
        var keys: [String] = []
        var slots: [Int16] = []
        var payloads: [String] = []
        keys.reserveCapacity(events.count)
        payloads.reserveCapacity(events.count)
        for event in events {
            let value = try encoder.encode(event)
            let problems = definition.problems(in: value)
            guard problems.isEmpty, !event.key.isEmpty else {
                throw EventBusError(.invalidPayload, "the payload does not match \(Event.type) v\(Event.version)", problems: problems)
            }
            keys.append(event.key)
            slots.append(Int16(Self.slot(of: event.key)))
            payloads.append(value.text)
        }
        try await connection.query(
            """
            INSERT INTO bus.events (topic, type, version, key, slot, occurred_at, producer, correlation_id, payload)
            SELECT \(definition.topic), \(Event.type), \(Event.version), k, s, \(occurredAt), \(producer), \(correlationID), p::jsonb
            FROM unnest(\(keys)::text[], \(slots)::int2[], \(payloads)::text[]) AS t(k, s, p)
            """)
        wakeAfterCommit(definition.topic, on: connection)
    }

    /// The slot count: events of a key share one of these, and one worker handles a slot at a time.
    public static let slotCount = 64

    /// FNV-1a of the key's UTF-8 bytes, modulo `slotCount`: stable across processes and releases.
    public static func slot(of key: String) -> Int {
        var hash: UInt32 = 2_166_136_261
        for byte in key.utf8 {
            hash ^= UInt32(byte)
            hash = hash &* 16_777_619
        }
        return Int(hash % UInt32(slotCount))
    }
}
