import EventBus
import Foundation
import Postgres
import TestSupport
import Testing

@Suite("Publishing: catalogue checks and the outbox", .timeLimit(.minutes(1)))
struct PublisherTests {
    @Test func unknownTypesAndMismatchedPayloadsAreRefusedAndNothingIsWritten() async throws {
        try await withTestDatabase("bus_publish_checks") { database in
            let client = try await database.busClient()
            let publisher = EventPublisher(catalogue: testCatalogue, producer: "registry", notifier: BusNotifier(database: client, logger: .test))
            try await client.withConnection { connection in
                let unknown = await #expect(throws: EventBusError.self) {
                    try await publisher.publish(type: "registry.nothing", version: 1, key: "k", payload: "{}", on: connection)
                }
                #expect(unknown?.code == .unknownEventType)
                let wrongVersion = await #expect(throws: EventBusError.self) {
                    try await publisher.publish(type: StepRecorded.type, version: 2, key: "k", payload: #"{"subject":"a","step":1}"#, on: connection)
                }
                #expect(wrongVersion?.code == .unknownEventType)
                let mismatch = await #expect(throws: EventBusError.self) {
                    try await publisher.publish(
                        type: StepRecorded.type, version: 1, key: "k", payload: #"{"subject":"a","step":"one","extra":true}"#, on: connection)
                }
                #expect(mismatch?.code == .invalidPayload)
                #expect(mismatch?.problems == ["extra: not a field of registry.test.step_recorded v1", "step: expected integer"])
                let missing = await #expect(throws: EventBusError.self) {
                    try await publisher.publish(type: StepRecorded.type, version: 1, key: "k", payload: #"{"step":1.5}"#, on: connection)
                }
                #expect(missing?.problems == ["subject: required", "step: expected integer"])
            }
            #expect(try await client.query("SELECT count(*) FROM bus.events")[0].decode(Int.self, at: 0) == 0)
            await client.shutdown()
        }
    }

    @Test func aRolledBackPublishLeavesNoEventAndACommittedOneStays() async throws {
        try await withTestDatabase("bus_outbox") { database in
            let client = try await database.busClient()
            let publisher = EventPublisher(catalogue: testCatalogue, producer: "registry", notifier: BusNotifier(database: client, logger: .test))
            struct Abort: Error {}
            await #expect(throws: Abort.self) {
                try await client.withTransaction { connection in
                    try await publisher.publish(StepRecorded(subject: "Nguyễn Văn A", step: 1), on: connection)
                    throw Abort()
                }
            }
            try await client.withTransaction { try await publisher.publish(StepRecorded(subject: "Nguyễn Văn A", step: 1), on: $0) }
            let rows = try await client.query("SELECT topic, type, version, key, slot, producer, payload->>'subject' FROM bus.events")
            #expect(rows.count == 1)
            let (topic, type, version, key, slot, producer, subject) = try rows[0].decode((String, String, Int, String, Int16, String, String).self)
            #expect(topic == "registry.test" && type == StepRecorded.type && version == 1)
            #expect(key == "Nguyễn Văn A" && subject == "Nguyễn Văn A" && producer == "registry")
            #expect(Int(slot) == EventPublisher.slot(of: "Nguyễn Văn A"))
            await client.shutdown()
        }
    }

    @Test func slotsAreStableAndSpread() {
        #expect(EventPublisher.slot(of: "") == EventPublisher.slot(of: ""))
        let slots = Set((0..<1000).map { EventPublisher.slot(of: "person-\($0)") })
        #expect(slots.count == EventPublisher.slotCount)
        // FNV-1a, pinned: changing the function would reorder keys across a deployment.
        #expect(EventPublisher.slot(of: "person-1") == 18)
    }

    @Test func theCatalogueRendersAsMarkdown() {
        let text = testCatalogue.markdown()
        #expect(text.contains("## `registry.test.step_recorded` v1"))
        #expect(text.contains("| `step` | integer | yes |"))
    }
}

@Suite("Wake-ups", .timeLimit(.minutes(1)))
struct WakeUpTests {
    /// The topics notified until `marker` arrives on the channel.
    private static func topics(until marker: String, _ events: inout AsyncStream<ListenerEvent>.Iterator) async -> [String] {
        var received: [String] = []
        while let event = await events.next() {
            guard case .notification(_, let payload) = event else { continue }
            if payload == marker { break }
            received.append(payload)
        }
        return received
    }

    /// A registry-role pool, a publisher waking through it, and the iterator of a listener on
    /// `bus_events` that is already listening.
    private static func withListener(
        _ label: String,
        _ body: (PostgresClient, EventPublisher, inout AsyncStream<ListenerEvent>.Iterator) async throws -> Void
    ) async throws {
        try await withTestDatabase(label) { database in
            let client = try await database.busClient()
            let notifier = BusNotifier(database: client, logger: .test)
            let publisher = EventPublisher(catalogue: testCatalogue, producer: "registry", notifier: notifier)
            let listener = PostgresListener(configuration: database.configuration(role: "registry"), channels: ["bus_events"], logger: .test)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await notifier.run() }
                group.addTask { try await listener.run() }
                var events = listener.events.makeAsyncIterator()
                let first = await events.next()
                #expect(first == .listening)
                try await body(client, publisher, &events)
                group.cancelAll()
            }
            await client.shutdown()
        }
    }

    @Test func oneNotificationPerPublishingTransactionAndTopicAfterItCommits() async throws {
        try await Self.withListener("bus_notify_once") { client, publisher, events in
            try await client.withTransaction { connection in
                for step in 1...50 { try await publisher.publish(StepRecorded(subject: "bulk", step: step), on: connection) }
                try await publisher.publish(type: "registry.test.other", version: 1, key: "x", payload: #"{"subject":"x"}"#, on: connection)
                // Nothing is notified while the transaction is open.
                try await client.query("SELECT pg_notify('bus_events', 'open')")
            }
            #expect(await Self.topics(until: "open", &events) == [])
            var received: [String] = []
            while received.count < 2, let event = await events.next() {
                if case .notification(_, let payload) = event { received.append(payload) }
            }
            // A marker after both: anything notified twice would arrive before it.
            try await client.query("SELECT pg_notify('bus_events', 'marker')")
            received += await Self.topics(until: "marker", &events)
            #expect(received.sorted() == ["registry.other", "registry.test"])
        }
    }

    @Test func aRolledBackPublishWakesNobodyAndOneOutsideATransactionDoes() async throws {
        try await Self.withListener("bus_notify_rollback") { client, publisher, events in
            struct Abort: Error {}
            await #expect(throws: Abort.self) {
                try await client.withTransaction { connection in
                    try await publisher.publish(StepRecorded(subject: "gone", step: 1), on: connection)
                    throw Abort()
                }
            }
            // A failed COMMIT (the transaction had an error) rolls back too.
            try await client.withConnection { connection in
                try await connection.query("BEGIN")
                try await publisher.publish(StepRecorded(subject: "gone", step: 2), on: connection)
                _ = try? await connection.query("SELECT 1/0")
                #expect(try await connection.query("COMMIT").commandTag == "ROLLBACK")
            }
            // A single-statement transaction, no BEGIN: notified once it returns.
            try await client.withConnection { connection in
                try await publisher.publish(type: "registry.test.other", version: 1, key: "x", payload: #"{"subject":"x"}"#, on: connection)
            }
            #expect(await Self.topics(until: "registry.other", &events) == [])
            #expect(try await client.query("SELECT count(*) FROM bus.events")[0].decode(Int.self, at: 0) == 1)
        }
    }
}
