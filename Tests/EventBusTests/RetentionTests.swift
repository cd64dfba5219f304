import EventBus
import Foundation
import Postgres
import TestSupport
import Testing

@Suite("Retention", .timeLimit(.minutes(1)))
struct RetentionTests {
    @Test func pruneRemovesOnlyOldEventsEveryConsumerHasPassed() async throws {
        try await withTestDatabase("bus_retention") { database in
            let client = try await database.busClient()
            let administration = BusAdministration(database: client)
            let lagging = BusConsumer(
                configuration: ConsumerConfiguration(name: "registry.lagging", topics: ["registry.test"]),
                handler: RecordingHandler(), database: client, logger: .test)
            try await lagging.register()
            try await publishSteps(["a", "b", "c"], steps: 1...4, on: client)
            let consumer = BusConsumer(
                configuration: ConsumerConfiguration(name: "registry.retention", topics: ["registry.test"], pollInterval: .milliseconds(200)),
                handler: RecordingHandler(), database: client, logger: .test)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await consumer.run() }
                try await waitForHandled(12, on: client)
                group.cancelAll()
            }
            var statuses = try await administration.consumers()
            #expect(statuses.map(\.name) == ["registry.lagging", "registry.retention"])
            #expect(statuses.map(\.pendingEvents) == [12, 0])
            #expect(statuses[0].oldestPendingAgeSeconds ?? -1 >= 0)
            // The registered consumer that never ran keeps every event.
            #expect(try await administration.prune(olderThan: .zero) == 0)
            try await client.query("DELETE FROM bus.consumers WHERE name = 'registry.lagging'")
            // Recent events stay until the retention age has passed.
            #expect(try await administration.prune(olderThan: .seconds(3600)) == 0)
            #expect(try await administration.prune(olderThan: .zero, batch: 5) == 12)
            #expect(try await client.query("SELECT count(*) FROM bus.events")[0].decode(Int.self, at: 0) == 0)
            // Consumers carry on unaffected.
            try await publishSteps(["a", "b", "c"], steps: 5...5, on: client)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await consumer.run() }
                try await waitForHandled(15, on: client)
                group.cancelAll()
            }
            statuses = try await administration.consumers()
            #expect(statuses.map(\.pendingEvents) == [0])
            await client.shutdown()
        }
    }
}
