import Foundation
import Postgres

/// The SQL of a consumer: registration, slot claims, batches, held events.
struct ConsumerStore: Sendable {
    let name: String

    struct Slot: Sendable {
        let slot: Int16
        var afterXID: String
        var afterID: Int64
    }

    static let eventColumns: StaticString = """
        e.id, e.xid::text, e.slot, e.topic, e.type, e.version, e.key, e.occurred_at, e.published_at, \
        e.producer, e.correlation_id, e.payload::text
        """

    /// Creates the consumer and its slot positions if new; updates its topics.
    func register(topics: [String], start: ConsumerConfiguration.Start, on connection: PostgresConnection) async throws {
        try await connection.withTransaction { connection in
            try await connection.query(
                """
                INSERT INTO bus.consumers (name, topics) VALUES (\(name), \(topics))
                ON CONFLICT (name) DO UPDATE SET topics = EXCLUDED.topics
                """)
            // From now: after the last event committed so far. A transaction still open at this
            // moment began before "now", and its events are skipped along with the older ones.
            var position = ("0", Int64(0))
            if case .now = start {
                let last = try await connection.query("SELECT e.xid::text AS position, e.id FROM bus.events e ORDER BY e.xid DESC, e.id DESC LIMIT 1")
                if let row = last.first { position = try row.decode((String, Int64).self) }
            }
            try await connection.query(
                """
                INSERT INTO bus.consumer_slots (consumer, slot, after_xid, after_id)
                SELECT \(name), s, \(position.0)::xid8, \(position.1) FROM generate_series(0, \(EventPublisher.slotCount - 1)) AS s
                ON CONFLICT DO NOTHING
                """)
        }
    }

    /// Locks up to `limit` free slots that have deliverable events, starting at a random slot so
    /// that workers spread out.
    func claimSlots(limit: Int, on connection: PostgresConnection) async throws -> [Slot] {
        let offset = Int.random(in: 0..<EventPublisher.slotCount)
        let rows = try await connection.query(
            """
            SELECT s.slot, s.after_xid::text, s.after_id FROM bus.consumer_slots s
            WHERE s.consumer = \(name)
              AND EXISTS (
                  SELECT 1 FROM bus.events e
                  WHERE e.slot = s.slot AND (e.xid, e.id) > (s.after_xid, s.after_id)
                    AND e.xid < pg_snapshot_xmin(pg_current_snapshot()))
            ORDER BY (s.slot + \(offset)) % \(EventPublisher.slotCount)
            LIMIT \(limit) FOR UPDATE SKIP LOCKED
            """)
        return try rows.map { row in
            let (slot, xid, id) = try row.decode((Int16, String, Int64).self)
            return Slot(slot: slot, afterXID: xid, afterID: id)
        }
    }

    /// Events after each slot's position, from transactions older than every one still running.
    func events(after slots: [Slot], perSlot: Int, on connection: PostgresConnection) async throws -> [EventEnvelope] {
        let rows = try await connection.query(
            """
            SELECT \(sql: Self.eventColumns)
            FROM unnest(\(slots.map(\.slot))::int2[], \(slots.map(\.afterXID))::xid8[], \(slots.map(\.afterID))::int8[])
                AS s(slot, after_xid, after_id)
            CROSS JOIN LATERAL (
                SELECT * FROM bus.events e
                WHERE e.slot = s.slot AND (e.xid, e.id) > (s.after_xid, s.after_id)
                  AND e.xid < pg_snapshot_xmin(pg_current_snapshot())
                ORDER BY e.xid, e.id
                LIMIT \(perSlot)
            ) e
            ORDER BY e.slot, e.xid, e.id
            """)
        return try rows.map(Self.envelope)
    }

    /// Keys of these slots that have held events: their later events must wait behind them.
    func blockedKeys(slots: [Int16], on connection: PostgresConnection) async throws -> Set<String> {
        let rows = try await connection.query(
            "SELECT DISTINCT key FROM bus.held_events WHERE consumer = \(name) AND slot = ANY(\(slots))")
        return Set(try rows.map { try $0.decode(String.self, at: 0) })
    }

    func hold(_ event: EventEnvelope, slot: Int16, attempts: Int, error: String?, retryAt: Date, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO bus.held_events (consumer, event_xid, event_id, slot, key, attempts, last_error, next_attempt_at)
            VALUES (\(name), \(String(event.transactionID))::xid8, \(event.id), \(slot), \(event.key), \(attempts), \(error), \(retryAt))
            """)
    }

    func advance(_ slots: [Slot], on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            UPDATE bus.consumer_slots c SET after_xid = s.after_xid, after_id = s.after_id, handled_at = now()
            FROM unnest(\(slots.map(\.slot))::int2[], \(slots.map(\.afterXID))::xid8[], \(slots.map(\.afterID))::int8[])
                AS s(slot, after_xid, after_id)
            WHERE c.consumer = \(name) AND c.slot = s.slot
            """)
    }

    struct HeldEvent: Sendable {
        let event: EventEnvelope
        let attempts: Int
    }

    /// Held events due for a retry, each the earliest of its key, locked for this transaction.
    func dueHeldEvents(limit: Int, on connection: PostgresConnection) async throws -> [HeldEvent] {
        let rows = try await connection.query(
            """
            SELECT \(sql: Self.eventColumns), h.attempts
            FROM bus.held_events h JOIN bus.events e ON e.xid = h.event_xid AND e.id = h.event_id
            WHERE h.consumer = \(name) AND h.dead_at IS NULL AND h.next_attempt_at <= now()
              AND NOT EXISTS (
                  SELECT 1 FROM bus.held_events earlier
                  WHERE earlier.consumer = h.consumer AND earlier.key = h.key
                    AND (earlier.event_xid, earlier.event_id) < (h.event_xid, h.event_id))
            ORDER BY h.next_attempt_at
            LIMIT \(limit)
            FOR UPDATE OF h SKIP LOCKED
            """)
        return try rows.map { HeldEvent(event: try Self.envelope($0), attempts: try $0.decode(Int.self, at: 12)) }
    }

    func release(_ event: EventEnvelope, on connection: PostgresConnection) async throws {
        try await connection.query(
            "DELETE FROM bus.held_events WHERE consumer = \(name) AND event_xid = \(String(event.transactionID))::xid8 AND event_id = \(event.id)")
    }

    func recordFailure(_ event: EventEnvelope, attempts: Int, error: String, retryAt: Date?, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            UPDATE bus.held_events
            SET attempts = \(attempts), last_error = \(error),
                next_attempt_at = coalesce(\(retryAt), next_attempt_at),
                dead_at = CASE WHEN \(retryAt == nil) THEN now() END
            WHERE consumer = \(name) AND event_xid = \(String(event.transactionID))::xid8 AND event_id = \(event.id)
            """)
    }

    static func envelope(_ row: PostgresRow) throws -> EventEnvelope {
        let (id, xid, slot, topic, type, version, key, occurredAt, publishedAt, producer, correlationID, payload) =
            try row.decode((Int64, String, Int16, String, String, Int, String, Date, Date, String, UUID?, String).self)
        return EventEnvelope(
            id: id, transactionID: Int64(xid) ?? 0, topic: topic, type: type, version: version, key: key, slot: slot,
            occurredAt: occurredAt, publishedAt: publishedAt, producer: producer, correlationID: correlationID,
            payload: payload)
    }
}
