import EventBus
import Foundation
import Postgres
import TestSupport
import Testing

/// The log partitioned by transaction id (deploy/sql/setup.sql): partitions made ahead, events
/// landing in them, retention dropping whole ones, a plain log of before converted.
@Suite("Partitions", .timeLimit(.minutes(1)))
struct PartitionTests {
    @Test func retentionDropsWholePartitionsEveryConsumerHasPassed() async throws {
        try await withTestDatabase("bus_partitions") { database in
            let client = try await database.busClient()
            let admin = try await database.connect()
            let administration = BusAdministration(database: client)
            #expect(try await administration.partitions().isEmpty)
            // Transaction ids are the cluster's, and other tests take them too: spans are wide
            // enough for what the test expects of them.
            #expect(try await administration.extendPartitions(period: .seconds(3600), minimumSpan: 2_000) == 2)
            let first = try await administration.partitions()
            #expect(first.count == 2)
            #expect(first[0].upper == first[1].lower && first[0].upper - first[0].lower == 2_000)
            // New partitions start a margin above the next transaction id (what comes before lands
            // in the default partition): this test's events go past it.
            try await burnTransactions(until: first[0].lower, on: admin)

            let lagging = BusConsumer(
                configuration: ConsumerConfiguration(name: "registry.lagging", topics: ["registry.test"]),
                handler: RecordingHandler(), database: client, logger: .test)
            try await lagging.register()
            try await publishSteps(["a", "b", "c"], steps: 1...2, on: client)
            #expect(try await countEvents(in: first[0].name, on: admin) + countEvents(in: first[1].name, on: admin) == 6)
            // Past both partitions: the next ones start a margin above the next transaction id.
            try await burnTransactions(until: first[1].upper, on: admin)
            #expect(try await administration.extendPartitions(period: .seconds(3600), minimumSpan: 1_000_000) == 2)
            let second = try await administration.partitions()
            #expect(second.count == 4 && second[2].lower >= first[1].upper + 1_000 && second[2].upper - second[2].lower == 1_000_000)
            try await burnTransactions(until: second[2].lower, on: admin)
            try await publishSteps(["a", "b", "c"], steps: 3...3, on: client)
            #expect(try await countEvents(in: second[2].name, on: admin) == 3)
            #expect(try await countEvents(in: "events_default", on: admin) == 0)

            let consumer = BusConsumer(
                configuration: ConsumerConfiguration(name: "registry.retention", topics: ["registry.test"], pollInterval: .milliseconds(200)),
                handler: RecordingHandler(), database: client, logger: .test)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await consumer.run() }
                try await waitForHandled(9, on: client)
                group.cancelAll()
            }
            // A partition goes only once every transaction that may publish into it has ended
            // (`bus.publishing_horizon()`): wait for that, so that what keeps the partitions below
            // is what each check says.
            try await waitUntilEnded(below: first[1].upper, on: admin)
            // The registered consumer that never ran keeps every partition.
            #expect(try await administration.prune(olderThan: .zero) == 0)
            try await client.query("DELETE FROM bus.consumers WHERE name = 'registry.lagging'")
            // Too recent for the retention.
            #expect(try await administration.prune(olderThan: .seconds(3600)) == 0)
            // A held event keeps its partition.
            try await admin.query(
                """
                INSERT INTO bus.held_events (consumer, event_xid, event_id, slot, key)
                SELECT 'registry.retention', xid, id, slot, key FROM bus.events ORDER BY xid, id LIMIT 1
                """)
            #expect(try await administration.prune(olderThan: .zero) == 0)
            try await admin.query("DELETE FROM bus.held_events")
            // The first two partitions go with their six events; the open ones stay.
            #expect(try await administration.prune(olderThan: .zero) == 6)
            #expect(try await administration.partitions().map(\.name) == second[2...].map(\.name))
            #expect(try await admin.query("SELECT count(*) FROM bus.events")[0].decode(Int.self, at: 0) == 3)

            // The consumer carries on.
            try await publishSteps(["a", "b", "c"], steps: 4...4, on: client)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await consumer.run() }
                try await waitForHandled(12, on: client)
                group.cancelAll()
            }
            #expect(try await administration.consumers().map(\.pendingEvents) == [0])
            await admin.close()
            await client.shutdown()
        }
    }

    @Test func aNewPartitionSpansThePublishingRateGrowingAtMostFourfold() async throws {
        try await withTestDatabase("bus_partition_spans") { database in
            let client = try await database.busClient()
            let admin = try await database.connect()
            let administration = BusAdministration(database: client)
            #expect(try await administration.extendPartitions(period: .seconds(3600), minimumSpan: 2_000) == 2)
            let first = try await administration.partitions()
            // Two events of the first partition 1,000 ids and two hours apart: 500 ids an hour.
            try await insertEvents(at: [(first[0].lower + 1, 3), (first[0].lower + 1_001, 1)], on: admin)
            try await burnTransactions(until: first[1].upper, on: admin)
            #expect(try await administration.extendPartitions(period: .seconds(3600), minimumSpan: 100) >= 1)
            let second = try await administration.partitions()
            #expect(second.count > 2 && second[2...].allSatisfy { $0.upper - $0.lower == 500 }, "\(second)")
            // 400 ids in an hour in the newest partition make 288,000 in thirty days: four times its 500 instead.
            let newest = second[second.count - 1]
            try await insertEvents(at: [(newest.lower + 1, 2), (newest.lower + 401, 1)], on: admin)
            try await burnTransactions(until: newest.upper, on: admin)
            #expect(try await administration.extendPartitions(period: .seconds(30 * 86_400), minimumSpan: 100) >= 1)
            let third = try await administration.partitions()
            #expect(third.count > second.count && third[second.count...].allSatisfy { $0.upper - $0.lower == 2_000 }, "\(third)")
            await admin.close()
            await client.shutdown()
        }
    }

    @Test func eventsBeyondEveryPartitionLandInTheDefaultOneAndNewPartitionsStartAboveThem() async throws {
        try await withTestDatabase("bus_partition_overflow") { database in
            let client = try await database.busClient()
            let admin = try await database.connect()
            let administration = BusAdministration(database: client)
            try await publishSteps(["a"], steps: 1...2, on: client)
            #expect(try await administration.defaultPartitionEvents() == 2)
            #expect(try await administration.extendPartitions(period: .seconds(3600), minimumSpan: 1_000_000) == 2)
            let partitions = try await administration.partitions()
            let newest = try await admin.query("SELECT max(xid)::text::int8 FROM bus.events")[0].decode(Int64.self, at: 0)
            #expect(partitions[0].lower > newest)
            try await burnTransactions(until: partitions[0].lower, on: admin)
            try await publishSteps(["a"], steps: 3...3, on: client)
            #expect(try await countEvents(in: partitions[0].name, on: admin) == 1)
            // Retention removes the default partition's events row by row once they are handled.
            let consumer = BusConsumer(
                configuration: ConsumerConfiguration(name: "registry.overflow", topics: ["registry.test"], pollInterval: .milliseconds(200)),
                handler: RecordingHandler(), database: client, logger: .test)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await consumer.run() }
                try await waitForHandled(3, on: client)
                group.cancelAll()
            }
            #expect(try await administration.prune(olderThan: .zero, batch: 1) == 2)
            #expect(try await administration.defaultPartitionEvents() == 0)
            await admin.close()
            await client.shutdown()
        }
    }

    @Test func aPlainLogOfBeforeIsConvertedWithItsEventsAndIdentity() async throws {
        try await withTestDatabase("bus_partition_convert") { database in
            let client = try await database.busClient()
            let admin = try await database.connect()
            // The log as setup.sql made it before partitioning.
            try await admin.execute(
                script: """
                    DROP TABLE bus.events;
                    CREATE TABLE bus.events (
                        id bigint GENERATED ALWAYS AS IDENTITY,
                        xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
                        topic text NOT NULL, type text NOT NULL, version integer NOT NULL, key text NOT NULL,
                        slot smallint NOT NULL CHECK (slot BETWEEN 0 AND 63),
                        occurred_at timestamptz NOT NULL, published_at timestamptz NOT NULL DEFAULT now(),
                        producer text NOT NULL DEFAULT current_user, correlation_id uuid, payload jsonb NOT NULL,
                        PRIMARY KEY (xid, id));
                    CREATE INDEX events_slot_position ON bus.events (slot, xid, id);
                    ALTER TABLE bus.events OWNER TO bus_owner;
                    GRANT SELECT, INSERT ON bus.events TO registry;
                    """)
            try await publishSteps(["a", "b"], steps: 1...3, on: client)
            let setup = try String(contentsOf: TestDatabase.repositoryRoot.appending(path: "deploy/sql/setup.sql"), encoding: .utf8)
            try await admin.execute(script: setup)
            #expect(
                try await admin.query("SELECT relkind::text FROM pg_class WHERE oid = 'bus.events'::regclass")[0].decode(String.self, at: 0) == "p")
            #expect(try await admin.query("SELECT to_regclass('bus.events_unpartitioned') IS NULL")[0].decode(Bool.self, at: 0))
            let partitions = try await BusAdministration(database: client).partitions()
            #expect(partitions.count == 1)
            #expect(try await countEvents(in: partitions[0].name, on: admin) == 6)
            // Setup again changes nothing; new events carry the identity on.
            try await admin.execute(script: setup)
            try await publishSteps(["a", "b"], steps: 4...4, on: client)
            let ids = try await admin.query("SELECT id FROM bus.events ORDER BY id").map { try $0.decode(Int.self, at: 0) }
            #expect(ids == Array(1...8))
            let consumer = BusConsumer(
                configuration: ConsumerConfiguration(name: "registry.converted", topics: ["registry.test"], pollInterval: .milliseconds(200)),
                handler: RecordingHandler(), database: client, logger: .test)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await consumer.run() }
                try await waitForHandled(8, on: client)
                group.cancelAll()
            }
            await admin.close()
            await client.shutdown()
        }
    }

    /// Partitions made while publishers keep publishing (the partitions having run out, so every
    /// event lands in the default partition): no publish is refused and no extension fails, and
    /// every event is in the log once.
    @Test func partitionsAttachedWhilePublishersPublishRefuseNoOne() async throws {
        try await withTestDatabase("bus_partition_race") { database in
            let client = try await database.busClient()
            let administration = BusAdministration(database: client)
            let publishers = 4
            let deadline = ContinuousClock.now + .seconds(4)
            let published = try await withThrowingTaskGroup(of: Int.self) { group in
                for publisher in 0..<publishers {
                    group.addTask {
                        try await withRunningNotifier(client) { notifier in
                            let events = EventPublisher(catalogue: testCatalogue, producer: "registry", notifier: notifier)
                            var steps = 0
                            while ContinuousClock.now < deadline {
                                steps += 1
                                let step = StepRecorded(subject: "p\(publisher)", step: steps)
                                try await client.withTransaction { try await events.publish(step, on: $0) }
                            }
                            return steps
                        }
                    }
                }
                // Transaction ids taken fast whatever the machine's speed, and small spans: ranges
                // are attached again and again near the next id while the publishers publish.
                group.addTask {
                    let admin = try await database.connect()
                    while ContinuousClock.now < deadline { _ = try await admin.query("SELECT pg_current_xact_id()") }
                    await admin.close()
                    return 0
                }
                var created = 0
                while ContinuousClock.now < deadline {
                    created += try await administration.extendPartitions(period: .seconds(3600), minimumSpan: 300)
                    try await Task.sleep(for: .milliseconds(100))
                }
                #expect(created >= 3, "\(created) partitions made")
                return try await group.reduce(0, +)
            }
            let stored = try await client.query("SELECT count(*), count(DISTINCT (key, payload::text)) FROM bus.events")[0].decode((Int, Int).self)
            #expect(stored.0 == published && stored.1 == published, "\(published) published, \(stored) stored")
            #expect(try await administration.partitions().count >= 3)
            await client.shutdown()
        }
    }

    /// An insert under way routes its event by the partitions there were when it began: partitions
    /// attached meanwhile would send an event of their range to the default partition, which
    /// refuses it (SQLSTATE 23514; seen once in a full run of `partitionsAttachedWhilePublishersPublishRefuseNoOne`).
    /// So no partition is made while an insert is under way (the extension waits a second for it,
    /// then gives up until its next turn).
    @Test func noPartitionIsAttachedUnderAnInsertUnderWay() async throws {
        try await withTestDatabase("bus_partition_view") { database in
            let client = try await database.busClient()
            let administration = BusAdministration(database: client)
            let admin = try await database.connect()
            let publisher = try await database.connect(role: "registry")
            // An insert whose event is made 3 s after it began (its transaction id with it).
            let insert = Task {
                try await publisher.query(
                    """
                    INSERT INTO bus.events (topic, type, version, key, slot, occurred_at, payload)
                    SELECT 'registry.test', 'registry.test.step_recorded', 1, 'under-way', 0, now(), '{"subject":"under-way","step":1}'
                    FROM pg_sleep(3)
                    """)
            }
            let deadline = ContinuousClock.now + .seconds(10)
            while try await admin.query("SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND datname = current_database()")[0]
                .decode(Int.self, at: 0) == 0, ContinuousClock.now < deadline
            {
                try await Task.sleep(for: .milliseconds(10))
            }
            let made = try await administration.extendPartitions(period: .seconds(3600), minimumSpan: 300)
            #expect(made == 0)
            // Had ranges been attached (1,000 ids above the next), the event's id would now fall into one.
            let next = try await admin.query("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::int8")[0].decode(Int64.self, at: 0)
            try await burnTransactions(until: next + 1_500, on: admin)
            try await insert.value
            #expect(try await administration.extendPartitions(period: .seconds(3600), minimumSpan: 300) > 0)
            #expect(try await client.query("SELECT count(*) FROM bus.events WHERE key = 'under-way'")[0].decode(Int.self, at: 0) == 1)
            await publisher.close()
            await admin.close()
            await client.shutdown()
        }
    }

    @Test func thePartitionerMakesPartitionsAtStart() async throws {
        try await withTestDatabase("bus_partitioner") { database in
            let client = try await database.busClient()
            let administration = BusAdministration(database: client)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await BusPartitioner(database: client, logger: .test).run() }
                let deadline = ContinuousClock.now + .seconds(20)
                while try await administration.partitions().count < 2, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(50))
                }
                group.cancelAll()
            }
            let partitions = try await administration.partitions()
            #expect(partitions.count == 2)
            #expect(partitions.allSatisfy { $0.upper - $0.lower == 100_000 })
            await client.shutdown()
        }
    }
}

/// Events stored in the partition `name` of the log.
private func countEvents(in name: String, on admin: PostgresConnection) async throws -> Int {
    try await admin.query(PostgresQuery(unsafeSQL: "SELECT count(*) FROM bus.\(PostgresQuery.quoteIdentifier(name))"))[0].decode(Int.self, at: 0)
}

/// Waits until every transaction with an id below `xid` that may publish into this database's log
/// has ended.
private func waitUntilEnded(below xid: Int64, on admin: PostgresConnection) async throws {
    let deadline = ContinuousClock.now + .seconds(30)
    while try await admin.query("SELECT bus.publishing_horizon()::text::int8")[0].decode(Int64.self, at: 0) < xid {
        guard ContinuousClock.now < deadline else { throw TestSupportError("transactions below \(xid) still running after 30 s") }
        try await Task.sleep(for: .milliseconds(50))
    }
}

/// Writes an event with each transaction id, published that many hours ago, as if published then.
private func insertEvents(at events: [(xid: Int64, hoursAgo: Int)], on admin: PostgresConnection) async throws {
    for event in events {
        try await admin.query(
            """
            INSERT INTO bus.events (xid, topic, type, version, key, slot, occurred_at, published_at, payload)
            VALUES (\(String(event.xid))::xid8, 'registry.test', 'test', 1, 'a', 0, now(), now() - make_interval(hours => \(event.hoursAgo)::int), '{}')
            """)
    }
}

/// Commits empty transactions that take an id until the next id reaches `xid`.
private func burnTransactions(until xid: Int64, on admin: PostgresConnection) async throws {
    while try await admin.query("SELECT pg_current_xact_id()::text::int8")[0].decode(Int64.self, at: 0) < xid {}
}
