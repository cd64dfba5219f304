import Foundation
import Postgres

/// What an operator does with the bus: list consumers and their lag, re-drive dead events.
public struct BusAdministration: Sendable {
    let database: PostgresClient

    public init(database: PostgresClient) { self.database = database }

    /// A consumer's state: events waiting for it, how old the oldest is, and its held events.
    public struct ConsumerStatus: Sendable, Equatable {
        public let name: String
        public let topics: [String]
        public let pendingEvents: Int
        public let oldestPendingAgeSeconds: Double?
        public let heldEvents: Int
        public let deadEvents: Int
        public let oldestDeadAt: Date?
    }

    /// Every consumer the connecting role may see (or only `name`), with its lag. The waiting events
    /// are found slot by slot from each slot's position (an index range each, not a scan of the log:
    /// consumers report this every `metricsInterval`); without JIT, which the planner's estimate of
    /// the ranges would switch on and which costs more than the query.
    public func consumers(named name: String? = nil) async throws -> [ConsumerStatus] {
        let rows = try await database.withTransaction(readOnly: true) { connection in
            try await connection.query("SET LOCAL jit = off")
            return try await connection.query(
                """
                SELECT c.name, c.topics, w.pending, w.age,
                       (SELECT count(*) FROM bus.held_events h WHERE h.consumer = c.name AND h.dead_at IS NULL),
                       (SELECT count(*) FROM bus.held_events h WHERE h.consumer = c.name AND h.dead_at IS NOT NULL),
                       (SELECT min(dead_at) FROM bus.held_events h WHERE h.consumer = c.name)
                FROM bus.consumers c
                CROSS JOIN LATERAL (
                    SELECT coalesce(sum(slot.waiting), 0)::bigint AS pending,
                           extract(epoch FROM now() - min(slot.oldest))::float8 AS age
                    FROM bus.consumer_slots s
                    CROSS JOIN LATERAL (
                        SELECT count(*) AS waiting, min(e.published_at) AS oldest FROM bus.events e
                        WHERE e.slot = s.slot AND e.xid >= s.after_xid AND (e.xid, e.id) > (s.after_xid, s.after_id)
                          AND e.topic = ANY(c.topics)
                    ) AS slot
                    WHERE s.consumer = c.name
                ) AS w
                WHERE \(name)::text IS NULL OR c.name = \(name) ORDER BY c.name
                """)
        }
        return try rows.map { row in
            let (name, topics, pending, age, held, dead, oldestDead) = try row.decode((String, [String], Int, Double?, Int, Int, Date?).self)
            return ConsumerStatus(
                name: name, topics: topics, pendingEvents: pending, oldestPendingAgeSeconds: age, heldEvents: held,
                deadEvents: dead, oldestDeadAt: oldestDead)
        }
    }

    /// Removes events older than `retention` that every consumer has passed, until none is left;
    /// returns how many. Whole partitions of the log go at once (an event may outlive the
    /// retention by up to a partition's span, about a month); the default partition's events go
    /// `batch` at a time. Consumers are not affected: only events below every position go, and
    /// held events stay.
    @discardableResult
    public func prune(olderThan retention: Duration, batch: Int = 10_000) async throws -> Int {
        var total = 0
        while true {
            let removed = try await database.query(
                "SELECT bus.prune(make_interval(secs => \(retention.inSeconds)), \(Int32(batch)))")[0].decode(Int.self, at: 0)
            total += removed
            if removed == 0 { return total }
        }
    }

    /// Creates the log's partitions for the next two `period`s of transactions (each at least
    /// `minimumSpan` transaction ids); returns how many it created (0 also when a lock it needs
    /// was busy). See `bus.extend_partitions` in deploy/sql/setup.sql.
    @discardableResult
    public func extendPartitions(period: Duration = .seconds(30 * 86_400), minimumSpan: Int = 100_000) async throws -> Int {
        try await database.query(
            "SELECT bus.extend_partitions(make_interval(secs => \(period.inSeconds)), \(minimumSpan))")[0].decode(Int.self, at: 0)
    }

    /// A range partition of the log: the transaction ids it holds, `lower` included, and its
    /// number of events as PostgreSQL last estimated it (nil before its first analysis).
    public struct Partition: Sendable, Equatable {
        public let name: String
        public let lower: Int64
        public let upper: Int64
        public let estimatedEvents: Int?
    }

    /// The log's range partitions, oldest first (the default partition is not listed).
    public func partitions() async throws -> [Partition] {
        try await database.query(
            """
            SELECT p.name, p.lower::int8, p.upper::int8, CASE WHEN c.reltuples >= 0 THEN c.reltuples::int8 END
            FROM bus.event_partitions() p
            JOIN pg_class c ON c.relname = p.name AND c.relnamespace = 'bus'::regnamespace
            ORDER BY p.lower
            """
        ).map {
            let (name, lower, upper, estimate) = try $0.decode((String, Int64, Int64, Int?).self)
            return Partition(name: name, lower: lower, upper: upper, estimatedEvents: estimate)
        }
    }

    /// Events in the log's default partition: those no range partition covered when they were
    /// published (normally none; see `BusPartitioner`).
    public func defaultPartitionEvents() async throws -> Int {
        try await database.query("SELECT count(*) FROM bus.events_default")[0].decode(Int.self, at: 0)
    }

    /// Gives a consumer's dead events a fresh set of attempts, at once; returns how many.
    @discardableResult
    public func redriveDead(consumer: String) async throws -> Int {
        let rows = try await database.query(
            """
            UPDATE bus.held_events SET dead_at = NULL, attempts = 0, next_attempt_at = now()
            WHERE consumer = \(consumer) AND dead_at IS NOT NULL
            """)
        return rows.affectedRows
    }
}
