import EventBus
import Foundation
import Logging
import Postgres
import Synchronization
import TestSupport
import Testing

@Suite("Consuming: nothing skipped, exactly-once effects, per-key order, failures", .timeLimit(.minutes(2)))
struct ConsumerTests {
    func consumer(
        _ name: String, _ client: PostgresClient, handler: any EventHandler = RecordingHandler(), workers: Int = 2, maxAttempts: Int = 3
    ) -> BusConsumer {
        BusConsumer(
            configuration: ConsumerConfiguration(
                name: name, topics: ["registry.test"], workers: workers, slotsPerBatch: 8, eventsPerSlot: 50,
                maxAttempts: maxAttempts, retryBackoff: Backoff(initial: .milliseconds(50), maximum: .milliseconds(200)),
                pollInterval: .milliseconds(500)),
            handler: handler, database: client, logger: .test)
    }

    /// Runs `consumers` while `body` runs, then stops them.
    func running(_ consumers: [BusConsumer], _ body: () async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for consumer in consumers { group.addTask { try await consumer.run() } }
            do {
                try await body()
            } catch {
                group.cancelAll()
                throw error
            }
            group.cancelAll()
        }
    }

    /// How many events are parked as dead, once there is one (or after 20 s).
    func deadEvents(on client: PostgresClient) async throws -> Int {
        var dead = 0
        let deadline = ContinuousClock.now + .seconds(20)
        while dead == 0 && ContinuousClock.now < deadline {
            dead = try await client.query("SELECT count(*) FROM bus.held_events WHERE dead_at IS NOT NULL")[0].decode(Int.self, at: 0)
            try await Task.sleep(for: .milliseconds(50))
        }
        return dead
    }

    @Test func everyEventIsHandledOnceInOrderPerKey() async throws {
        try await withTestDatabase("bus_once") { database in
            let client = try await database.busClient()
            let subjects = (1...20).map { "person-\($0)" }
            try await publishSteps(subjects, steps: 1...5, on: client)
            try await running([consumer("registry.once", client)]) {
                try await waitForHandled(100, on: client)
                try await publishSteps(subjects, steps: 6...8, on: client)
                try await waitForHandled(160, on: client)
            }
            let duplicates = try await client.query("SELECT count(*) - count(DISTINCT (subject, step)) FROM registry.handled")
            #expect(try duplicates[0].decode(Int.self, at: 0) == 0)
            await client.shutdown()
        }
    }

    @Test func transactionsCommittingOutOfIdOrderAreNeverSkipped() async throws {
        try await withTestDatabase("bus_out_of_order") { database in
            let client = try await database.busClient()
            let publisher = EventPublisher(catalogue: testCatalogue, producer: "registry", notifier: BusNotifier(database: client, logger: .test))
            try await running([consumer("registry.ordering", client)]) {
                // A holds its transaction open after publishing, so B's later event commits first.
                let slow = try await database.connect(role: "registry")
                try await slow.query("BEGIN")
                try await publisher.publish(StepRecorded(subject: "late", step: 1), on: slow)
                for step in 1...30 {
                    try await client.withTransaction { try await publisher.publish(StepRecorded(subject: "early", step: step), on: $0) }
                }
                try await Task.sleep(for: .milliseconds(600))
                // Nothing from after A's transaction began may be handled while A is open.
                let handledWhileOpen = try await client.query("SELECT count(*) FROM registry.handled")[0].decode(Int.self, at: 0)
                #expect(handledWhileOpen == 0)
                try await slow.query("COMMIT")
                await slow.close()
                try await waitForHandled(31, on: client)
            }
            let late = try await client.query("SELECT count(*) FROM registry.handled WHERE subject = 'late'")
            #expect(try late[0].decode(Int.self, at: 0) == 1)
            await client.shutdown()
        }
    }

    @Test func aRunningTransactionOfARoleThatCannotPublishDoesNotHoldDeliveryBack() async throws {
        try await withTestDatabase("bus_horizon") { database in
            let client = try await database.busClient()
            // The statistics role reads the log but may not write to it...
            let reader = try await database.connect(role: "statistics")
            await #expect(throws: PostgresError.self) {
                try await reader.query(
                    """
                    INSERT INTO bus.events (topic, type, version, key, slot, occurred_at, payload)
                    VALUES ('registry.test', 'registry.test.step_recorded', 1, 'x', 0, now(), '{}')
                    """)
            }
            // ...so its transactions, however long, hold back no one's delivery.
            try await reader.query("BEGIN")
            _ = try await reader.query("SELECT pg_current_xact_id()")
            try await running([consumer("registry.horizon", client)]) {
                try await publishSteps(["after-reader"], steps: 1...10, on: client)
                try await waitForHandled(10, on: client, timeout: .seconds(10))
            }
            try await reader.query("ROLLBACK")
            await reader.close()
            await client.shutdown()
        }
    }

    /// An event committed while an older transaction that may publish runs is held back; when
    /// that transaction ends without publishing, no doorbell rings, yet the event is handled
    /// soon (the workers look again after a held-back claim), not at the next poll (30 s here).
    @Test func anEventHeldBackByATransactionThatEndsWithoutPublishingIsHandledSoonAfter() async throws {
        try await withTestDatabase("bus_held_back") { database in
            let client = try await database.busClient()
            let patient = BusConsumer(
                configuration: ConsumerConfiguration(name: "registry.held", topics: ["registry.test"], pollInterval: .seconds(30)),
                handler: RecordingHandler(), database: client, logger: .test)
            try await running([patient]) {
                // A publisher's transaction with an id, which publishes nothing.
                let idle = try await database.connect(role: "registry")
                try await idle.query("BEGIN")
                _ = try await idle.query("SELECT pg_current_xact_id()")
                try await publishSteps(["behind"], steps: 1...5, on: client)
                try await Task.sleep(for: .milliseconds(300))
                #expect(try await client.query("SELECT count(*) FROM registry.handled")[0].decode(Int.self, at: 0) == 0)
                try await idle.query("ROLLBACK")
                // Looking again after 20, 40, 80, 160, 320 ms...: within about 0.7 s of the end.
                try await waitForHandled(5, on: client, timeout: .seconds(5))
                await idle.close()
            }
            await client.shutdown()
        }
    }

    /// A consumer's plans are cached per connection (the statistics' are generic from the first
    /// claim): made over a nearly empty log, they must still read it by its index once it fills.
    @Test func claimsReadTheLogByItsIndexThoughTheirPlanWasMadeWhenItWasNearlyEmpty() async throws {
        try await withTestDatabase("bus_claim_plans") { database in
            let client = try await database.busClient()
            // One connection: the one whose plans were made over the nearly empty log.
            let consumerClient = database.client(role: "registry", searchPath: ["registry"], poolSize: 1)
            let handler = LogScanRecordingHandler()
            let consumer = BusConsumer(
                configuration: ConsumerConfiguration(
                    name: "registry.plans", topics: ["registry.test"], workers: 1, slotsPerBatch: 8, eventsPerSlot: 50,
                    transactionSettings: [.genericPlans]),
                handler: handler, database: consumerClient, logger: .test)
            try await consumer.register()
            try await publishSteps(["first"], steps: 1...3, on: client)
            // Analysed with its first events, as autovacuum does a partition just begun.
            let admin = try await database.connect()
            try await admin.query("ANALYZE bus.events")
            await admin.close()
            #expect(try await catchUp(consumer, until: 3) == 3)
            // The log grows by 20,000 events (one transaction: no ANALYZE comes between).
            let publisher = EventPublisher(catalogue: testCatalogue, producer: "registry", notifier: BusNotifier(database: client, logger: .test))
            try await client.withTransaction { connection in
                for index in 1...20_000 { try await publisher.publish(StepRecorded(subject: "bulk-\(index)", step: 1), on: connection) }
            }
            handler.wholeScans.withLock { $0 = [] }
            #expect(try await catchUp(consumer, until: 20_000) == 20_000)
            let scans = handler.wholeScans.withLock { $0 }
            #expect(scans.count >= 50)
            #expect(scans.allSatisfy { $0 == 0 }, "batches that scanned the log whole: \(scans.filter { $0 > 0 }.count) of \(scans.count)")
            await consumerClient.shutdown()
            await client.shutdown()
        }
    }

    @Test func twoReplicasShareTheWorkWithoutHandlingAnythingTwice() async throws {
        try await withTestDatabase("bus_replicas") { database in
            let client = try await database.busClient()
            let other = try await database.busClient()
            let subjects = (1...40).map { "subject-\($0)" }
            try await running([consumer("registry.shared", client, workers: 2), consumer("registry.shared", other, workers: 2)]) {
                try await publishSteps(subjects, steps: 1...10, on: client)
                try await waitForHandled(400, on: client)
            }
            // Each (subject, step) is unique and steps arrived in order (the handler checks both).
            #expect(try await client.query("SELECT count(*) FROM registry.handled")[0].decode(Int.self, at: 0) == 400)
            await client.shutdown()
            await other.shutdown()
        }
    }

    @Test func aGatherDelayTakesWhatIsPublishedMeanwhileInOneBatch() async throws {
        try await withTestDatabase("bus_gather") { database in
            let client = try await database.busClient()
            let handler = BatchRecordingHandler()
            let gathering = BusConsumer(
                configuration: ConsumerConfiguration(
                    name: "registry.gathering", topics: ["registry.test"], pollInterval: .seconds(30), gatherDelay: .seconds(2)),
                handler: handler, database: client, logger: .test)
            try await running([gathering]) {
                // Past the claim its start makes (after its own gathering delay); then the 20
                // events are published well within the delay, however busy the machine.
                try await Task.sleep(for: .seconds(3))
                try await publishSteps(["gathered"], steps: 1...1, on: client)
                try await Task.sleep(for: .milliseconds(100))
                try await publishSteps(["gathered"], steps: 2...20, on: client)
                try await waitForHandled(20, on: client)
            }
            // Without the delay the first event would have come alone, as soon as it was published.
            #expect(handler.batchSizes.withLock { $0 } == [20])
            await client.shutdown()
        }
    }

    @Test func aPoisonEventIsParkedWhileOtherKeysFlowAndItsKeyWaits() async throws {
        try await withTestDatabase("bus_poison") { database in
            let client = try await database.busClient()
            let handler = RecordingHandler(failing: ["poisoned#2"])
            try await running([consumer("registry.poison", client, handler: handler, maxAttempts: 3)]) {
                try await publishSteps(["poisoned", "healthy-1", "healthy-2"], steps: 1...4, on: client)
                // Healthy keys complete; the poisoned key stops after step 1.
                try await waitForHandled(9, on: client)
                #expect(try await deadEvents(on: client) == 1)
                let held = try await client.query("SELECT attempts, last_error IS NOT NULL FROM bus.held_events ORDER BY event_id")
                #expect(held.count == 3)
                #expect(try held[0].decode((Int, Bool).self) == (3, true))
                let poisoned = try await client.query("SELECT max(step) FROM registry.handled WHERE subject = 'poisoned'")
                #expect(try poisoned[0].decode(Int.self, at: 0) == 1)
                // Fix the cause and re-drive: the key resumes, in order.
                handler.failing.withLock { $0.removeAll() }
                let redriven = try await BusAdministration(database: client).redriveDead(consumer: "registry.poison")
                #expect(redriven == 1)
                try await waitForHandled(12, on: client)
            }
            #expect(try await client.query("SELECT count(*) FROM bus.held_events")[0].decode(Int.self, at: 0) == 0)
            await client.shutdown()
        }
    }

    @Test func aBatchHandlerTakesWholeBatchesAndAFailureIsIsolatedEventByEvent() async throws {
        try await withTestDatabase("bus_batches") { database in
            let client = try await database.busClient()
            let subjects = (1...30).map { "subject-\($0)" }
            // Published before the consumer starts: its first batches are full.
            try await publishSteps(subjects + ["poisoned"], steps: 1...3, on: client)
            let handler = BatchRecordingHandler(failing: ["poisoned#2"])
            try await running([consumer("registry.batches", client, handler: handler, workers: 1, maxAttempts: 2)]) {
                // Every healthy step and the poisoned key's first; its second is held, its third waits behind it.
                try await waitForHandled(91, on: client)
                #expect(try await deadEvents(on: client) == 1)
            }
            #expect(handler.batchSizes.withLock { $0.max() ?? 0 } > 1)
            #expect(try await client.query("SELECT count(*) FROM registry.handled")[0].decode(Int.self, at: 0) == 91)
            let poisoned = try await client.query("SELECT max(step) FROM registry.handled WHERE subject = 'poisoned'")
            #expect(try poisoned[0].decode(Int.self, at: 0) == 1)
            #expect(try await client.query("SELECT count(*) FROM bus.held_events")[0].decode(Int.self, at: 0) == 2)
            await client.shutdown()
        }
    }

    @Test func noEventIsLostWhenTheListenersBackendIsTerminated() async throws {
        try await withTestDatabase("bus_listener_kill") { database in
            let client = try await database.busClient()
            let admin = try await database.connect()
            let subjects = (1...5).map { "s\($0)" }
            try await running([consumer("registry.resilient", client)]) {
                for round in 0..<5 {
                    try await publishSteps(subjects, steps: (round * 4 + 1)...(round * 4 + 4), on: client)
                    try await admin.query(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN%' AND datname = current_database()")
                }
                try await waitForHandled(100, on: client)
            }
            await admin.close()
            await client.shutdown()
        }
    }

    @Test func aNewConsumerCanStartFromNow() async throws {
        try await withTestDatabase("bus_from_now") { database in
            let client = try await database.busClient()
            try await publishSteps(["old"], steps: 1...3, on: client)
            var configuration = consumer("registry.fresh", client).configuration
            configuration.start = .now
            let fresh = BusConsumer(configuration: configuration, handler: RecordingHandler(), database: client, logger: .test)
            try await running([fresh]) {
                try await Task.sleep(for: .milliseconds(300))
                try await publishSteps(["new"], steps: 1...2, on: client)
                try await waitForHandled(2, on: client)
            }
            let subjects = try await client.query("SELECT DISTINCT subject FROM registry.handled").map { try $0.decode(String.self, at: 0) }
            #expect(subjects == ["new"])
            await client.shutdown()
        }
    }

    @Test func fromNowStartsAfterTheNumericallyLatestTransaction() async throws {
        try await withTestDatabase("bus_from_now_numeric") { database in
            let admin = try await database.connect()
            // Transaction ids 999 and 1000 sort the other way round as text.
            try await admin.query(
                """
                INSERT INTO bus.events (xid, topic, type, version, key, slot, occurred_at, payload)
                VALUES ('999'::xid8, 'registry.test', 'registry.test.step_recorded', 1, 'k', 0, now(), '{}'),
                       ('1000'::xid8, 'registry.test', 'registry.test.step_recorded', 1, 'k', 0, now(), '{}')
                """)
            await admin.close()
            let client = try await database.busClient()
            var configuration = consumer("registry.numeric", client).configuration
            configuration.start = .now
            try await BusConsumer(configuration: configuration, handler: RecordingHandler(), database: client, logger: .test).register()
            let positions = try await client.query("SELECT DISTINCT after_xid::text FROM bus.consumer_slots WHERE consumer = 'registry.numeric'")
            #expect(try positions.map { try $0.decode(String.self, at: 0) } == ["1000"])
            await client.shutdown()
        }
    }
}
