@testable import EventBus
import Foundation
import Postgres
import Synchronization
import TestSupport
import Testing

/// A claim reads the log between the lowest position of its consumer's slots and the horizon,
/// bounds it reads first and passes as parameters (`ConsumerStore.claimBounds`): PostgreSQL then
/// sets up only the partitions in that range, and a slot moved back meanwhile is never read past.
@Suite("Claim bounds", .timeLimit(.minutes(1)))
struct ClaimBoundsTests {
    /// A worker whose claims are held back looks again after 20 ms, then twice as long each time
    /// it found nothing, up to the poll interval (the worker starts again from 20 ms once it finds work).
    @Test func aHeldBackWorkerLooksAgainSoonThenLessOften() {
        var waits: [Duration] = []
        var wait: Duration?
        for _ in 1...9 {
            wait = BusConsumer.recheck(after: wait, limit: .seconds(2))
            waits.append(wait!)
        }
        #expect(waits.map { $0 / .milliseconds(1) } == [20, 40, 80, 160, 320, 640, 1280, 2000, 2000])
        #expect(BusConsumer.recheck(after: nil, limit: .milliseconds(5)) == .milliseconds(20))
    }

    /// With a generic plan, as the statistics' consumer runs it: before the bounds, every claim
    /// opened an index of every partition of the log (41 here), then pruned them slot by slot.
    @Test func aClaimOpensOnlyThePartitionsWithinItsBounds() async throws {
        try await withTestDatabase("bus_claim_bounds") { database in
            let client = try await database.busClient()
            let admin = try await database.connect()
            // 41 partitions: 20 below the next transaction id (a past the consumer has passed), one
            // of ten million ids from it (every event of this test, however many ids other tests
            // take meanwhile) and 20 ahead of the log.
            let next = try await admin.query("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::int8")[0].decode(Int64.self, at: 0)
            let pastSpan = max(1, (next - 1) / 20)
            var ranges = (0..<20).map { (1 + Int64($0) * pastSpan, 1 + Int64($0 + 1) * pastSpan) }
            ranges.append((ranges[19].1, next + 10_000_000))
            ranges += (0..<20).map { (next + 10_000_000 + Int64($0) * 100, next + 10_000_000 + Int64($0 + 1) * 100) }
            for (lower, upper) in ranges {
                try await admin.execute(
                    script: """
                        CREATE TABLE bus.events_\(lower) (LIKE bus.events INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
                        ALTER TABLE bus.events_\(lower) OWNER TO bus_owner;
                        ALTER TABLE bus.events ATTACH PARTITION bus.events_\(lower) FOR VALUES FROM ('\(lower)') TO ('\(upper)')
                        """)
            }
            try await publishSteps(["before"], steps: 1...1, on: client)
            // One connection, whose generic plan is made (opening every partition's indexes, as
            // planning does) in the first batch and reused by the next ones.
            let consumerClient = database.client(role: "registry", searchPath: ["registry"], poolSize: 1)
            let handler = IndexLockRecordingHandler()
            let consumer = BusConsumer(
                configuration: ConsumerConfiguration(
                    name: "registry.bounds", topics: ["registry.test"], start: .now, slotsPerBatch: 8, eventsPerSlot: 5,
                    transactionSettings: [.genericPlans]),
                handler: handler, database: consumerClient, logger: .test)
            try await consumer.register()
            try await publishSteps(["planned"], steps: 1...1, on: client)
            #expect(try await catchUp(consumer, until: 1) == 1)
            handler.openedIndexes.withLock { $0 = [] }
            for step in 1...3 {
                try await publishSteps((1...8).map { "subject-\($0)" }, steps: step...step, on: client)
                #expect(try await catchUp(consumer, until: 8) == 8)
            }

            let partitionIndexes = try await admin.query(
                """
                SELECT count(*) FROM pg_index i JOIN pg_inherits p ON p.inhrelid = i.indrelid
                WHERE p.inhparent = 'bus.events'::regclass
                """)[0].decode(Int.self, at: 0)
            #expect(partitionIndexes >= 82)
            let opened = handler.openedIndexes.withLock { $0 }
            #expect(opened.count >= 3)
            #expect(opened.allSatisfy { $0 <= 2 }, "partition indexes each batch opened: \(opened)")
            await consumerClient.shutdown()
            await admin.close()
            await client.shutdown()
        }
    }

    /// The bounds read the horizon (a read of `pg_stat_activity`) once, whatever the consumer's
    /// slots: evaluated for each slot, it made every claim's bounds take 4-9 ms at 50,000 people.
    @Test func theBoundsReadTheHorizonOnce() async throws {
        try await withTestDatabase("bus_bounds_once") { database in
            let client = try await database.busClient()
            let consumer = BusConsumer(
                configuration: ConsumerConfiguration(name: "registry.bounds", topics: ["registry.test"]),
                handler: RecordingHandler(), database: client, logger: .test)
            try await consumer.register()
            let admin = try await database.connect()
            try await admin.query("BEGIN")
            // The calls of PL/pgSQL functions, counted for this transaction.
            try await admin.query("SET LOCAL track_functions = 'pl'")
            let bounds = try await ConsumerStore(name: "registry.bounds").claimBounds(on: admin)
            let calls = try await admin.query("SELECT pg_stat_get_xact_function_calls('bus.publishing_horizon'::regproc)")[0]
                .decode(Int?.self, at: 0)
            try await admin.query("COMMIT")
            #expect(bounds != nil)
            #expect(calls == 1)
            await admin.close()
            await client.shutdown()
        }
    }

    /// A rebuild swaps a consumer's positions for its replay's, which may lie behind them: a claim
    /// whose bounds were read before the swap must not read that slot from the bounds on.
    @Test func aSlotMovedBackAfterTheBoundsWereReadIsLeftForTheNextClaim() async throws {
        try await withTestDatabase("bus_claim_rewind") { database in
            let client = try await database.busClient()
            let admin = try await database.connect()
            let consumer = BusConsumer(
                configuration: ConsumerConfiguration(name: "registry.rewind", topics: ["registry.test"]),
                handler: RecordingHandler(), database: client, logger: .test)
            try await consumer.register()
            try await publishSteps(["a"], steps: 1...3, on: client)
            let store = ConsumerStore(name: "registry.rewind")
            // Every slot past the three events, as if they were handled.
            try await admin.query(
                """
                UPDATE bus.consumer_slots SET (after_xid, after_id) = (SELECT xid, id FROM bus.events ORDER BY xid DESC, id DESC LIMIT 1)
                WHERE consumer = 'registry.rewind'
                """)
            let stale = try #require(try await client.withConnection { try await store.claimBounds(on: $0) })
            try await admin.query("UPDATE bus.consumer_slots SET after_xid = '0', after_id = 0 WHERE consumer = 'registry.rewind'")

            let first = try await client.withTransaction { try await store.claim(slots: 64, perSlot: 50, within: stale, on: $0) }
            #expect(first.events.isEmpty, "read from the stale bounds on: \(first.events.map(\.id))")
            let fresh = try #require(try await client.withConnection { try await store.claimBounds(on: $0) })
            let second = try await client.withTransaction { try await store.claim(slots: 64, perSlot: 50, within: fresh, on: $0) }
            #expect(try second.events.map { try $0.decode(StepRecorded.self).step } == [1, 2, 3])
            await admin.close()
            await client.shutdown()
        }
    }
}

/// Records, for each batch, how many indexes of the log's partitions its transaction has locked:
/// the ones the claim's plan opened (its other statements do not touch the log).
private final class IndexLockRecordingHandler: BatchEventHandler {
    let openedIndexes = Mutex<[Int]>([])

    func handle(_ event: EventEnvelope, in transaction: PostgresConnection) async throws {
        try await handle(batch: [event], in: transaction)
    }

    func handle(batch events: [EventEnvelope], in transaction: PostgresConnection) async throws {
        let opened = try await transaction.query(
            """
            SELECT count(DISTINCT l.relation) FROM pg_locks l
            JOIN pg_index i ON i.indexrelid = l.relation
            JOIN pg_inherits p ON p.inhrelid = i.indrelid
            WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND p.inhparent = 'bus.events'::regclass
            """)[0].decode(Int.self, at: 0)
        openedIndexes.withLock { $0.append(opened) }
    }
}
