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

    /// What a batch claimed: its events, in order per slot, and what each slot moves on to.
    struct Claim: Sendable {
        var events: [EventEnvelope] = []
        /// Keys of these events that have held events: their later events must wait behind them.
        var blockedKeys: Set<String> = []

        /// Each slot's new position: its last event in the batch (subscribed topic or not).
        var positions: [Slot] {
            var positions: [Slot] = []
            for event in events {
                if positions.last?.slot == event.slot {
                    positions[positions.count - 1].afterXID = String(event.transactionID)
                    positions[positions.count - 1].afterID = event.id
                } else {
                    positions.append(Slot(slot: event.slot, afterXID: String(event.transactionID), afterID: event.id))
                }
            }
            return positions
        }

        /// Whether the claim took as much as it could (`slots` slots, or `perSlot` events of a
        /// slot): then more may be waiting behind it.
        func isFull(slots: Int, perSlot: Int) -> Bool {
            let positions = positions
            guard positions.count < slots else { return true }
            var counts: [Int16: Int] = [:]
            for event in events { counts[event.slot, default: 0] += 1 }
            return counts.values.contains { $0 >= perSlot }
        }
    }

    /// The transaction id below which every transaction that may still publish has ended:
    /// `bus.publishing_horizon()` (deploy/sql/setup.sql), the oldest one running in this database
    /// as a role that may insert into `bus.events`, or the next id to be assigned when none is.
    /// Events below it are final: no transaction with a smaller id can commit one later, so a
    /// consumer reading in `(xid, id)` order skips nothing.
    static let horizon: StaticString = "SELECT bus.publishing_horizon()"

    /// What a consumer's transaction begins with, so that `claim` reads the log by its index at
    /// any size: a plan cached while a partition was nearly empty (a fresh log, a partition just
    /// begun) would otherwise scan the whole partition for each slot of every claim as it fills,
    /// until an ANALYZE of it replans (by hand, at 200 events a second, most of two cores went to
    /// the claims of four consumers). `endClaim` puts the setting back for the handler's statements.
    static let claimSettings = [TransactionSetting("enable_seqscan", "off")]

    /// Puts back what `claimSettings` changed, for the rest of the transaction.
    func endClaim(on connection: PostgresConnection) async throws {
        try await connection.execute(script: "SET LOCAL enable_seqscan TO DEFAULT")
    }

    /// The transaction ids a claim can need to read: from the lowest position of this consumer's
    /// slots up to the `horizon`.
    struct ClaimBounds: Sendable {
        let lower: String
        let upper: String
        /// Whether a transaction that may still publish was running when they were read (the
        /// horizon below the snapshot's next id): events committed above it are held back, and
        /// when it ends without publishing, no doorbell rings for them.
        let heldBack: Bool
    }

    /// Reads the bounds of the next claim, `nil` when the consumer has no slots. Both only grow
    /// (but for a slot moved back, which `claim` leaves for its next call), so bounds read a moment
    /// before a claim make it read less, never skip: what commits meanwhile rings the doorbell.
    func claimBounds(on connection: PostgresConnection) async throws -> ClaimBounds? {
        // The horizon's function reads the statement's snapshot, as `pg_current_snapshot()` does.
        // It reads `pg_stat_activity`: once (`OFFSET 0` keeps the planner from pulling it up into
        // an expression evaluated for each slot: 4-9 ms a claim at 50,000 people, BENCHMARKS.md).
        let rows = try await connection.query(
            """
            SELECT (SELECT min(s.after_xid) FROM bus.consumer_slots s WHERE s.consumer = \(name))::text, h.horizon::text,
                   h.horizon < pg_snapshot_xmax(pg_current_snapshot())
            FROM (\(sql: Self.horizon) OFFSET 0) AS h(horizon)
            """)
        guard let row = rows.first else { return nil }
        let (lower, upper, heldBack) = try row.decode((String?, String, Bool).self)
        return lower.map { ClaimBounds(lower: $0, upper: upper, heldBack: heldBack) }
    }

    /// In one statement: locks up to `slots` free slots that have deliverable events (starting at a
    /// random slot, so that workers spread out), and reads up to `perSlot` events after each one's
    /// position, below the horizon of `bounds`, with whether their key has held events. The slots
    /// stay locked until the transaction ends, which began with `claimSettings`.
    ///
    /// Each slot's reads say `xid >= after_xid`, so that only the log's partitions at or after its
    /// position are read, and look for a waiting event with a `LATERAL ... LIMIT 1` per slot: an
    /// `EXISTS` there becomes, in the generic plan, a hash join over every partition. Both reads
    /// also say `xid` lies within `bounds`, parameters known when the statement starts, so that
    /// PostgreSQL sets up only the partitions in that range (else it opens every partition and its
    /// index at each claim before pruning them by each slot's position: by hand, 8 µs a partition
    /// a read). A slot moved back below `bounds.lower` since they were read (a rebuild's swap of
    /// positions) is not claimed: its events below that bound are left for the next claim.
    func claim(slots: Int, perSlot: Int, within bounds: ClaimBounds, on connection: PostgresConnection) async throws -> Claim {
        let offset = Int.random(in: 0..<EventPublisher.slotCount)
        let rows = try await connection.query(
            """
            WITH claimed AS (
                SELECT s.slot, s.after_xid, s.after_id FROM bus.consumer_slots s
                CROSS JOIN LATERAL (
                    SELECT 1 FROM bus.events e
                    WHERE e.slot = s.slot AND e.xid >= s.after_xid AND (e.xid, e.id) > (s.after_xid, s.after_id)
                      AND e.xid >= \(bounds.lower)::xid8 AND e.xid < \(bounds.upper)::xid8
                    LIMIT 1
                ) AS waiting
                WHERE s.consumer = \(name) AND s.after_xid >= \(bounds.lower)::xid8
                ORDER BY (s.slot + \(offset)) % \(EventPublisher.slotCount)
                LIMIT \(slots) FOR UPDATE OF s SKIP LOCKED
            )
            SELECT \(sql: Self.eventColumns),
                   EXISTS (SELECT 1 FROM bus.held_events h WHERE h.consumer = \(name) AND h.key = e.key AND h.slot = e.slot)
            FROM claimed s
            CROSS JOIN LATERAL (
                SELECT * FROM bus.events e
                WHERE e.slot = s.slot AND e.xid >= s.after_xid AND (e.xid, e.id) > (s.after_xid, s.after_id)
                  AND e.xid >= \(bounds.lower)::xid8 AND e.xid < \(bounds.upper)::xid8
                ORDER BY e.xid, e.id
                LIMIT \(perSlot)
            ) e
            ORDER BY e.slot, e.xid, e.id
            """)
        var claim = Claim()
        claim.events.reserveCapacity(rows.count)
        for row in rows {
            let event = try Self.envelope(row)
            claim.events.append(event)
            if try row.decode(Bool.self, at: 12) { claim.blockedKeys.insert(event.key) }
        }
        return claim
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
