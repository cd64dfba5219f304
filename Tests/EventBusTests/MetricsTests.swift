import EventBus
import Foundation
import MetricsTestKit
import Postgres
import TestSupport
import Testing

@Suite("Consumer metrics", .timeLimit(.minutes(1)))
struct MetricsTests {
    @Test func handlerDurationsAndLagAreRecorded() async throws {
        try await withTestDatabase("bus_metrics") { database in
            let client = try await database.busClient()
            let metrics = TestMetrics()
            try await publishSteps(["m1", "m2"], steps: 1...3, on: client)
            let consumer = BusConsumer(
                configuration: ConsumerConfiguration(
                    name: "registry.metrics", topics: ["registry.test"], pollInterval: .milliseconds(200),
                    metricsInterval: .milliseconds(50)),
                handler: RecordingHandler(), database: client, logger: .test, metrics: metrics)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await consumer.run() }
                try await waitForHandled(6, on: client)
                // Once all is handled, the next report says nothing is pending.
                let deadline = ContinuousClock.now + .seconds(10)
                while ContinuousClock.now < deadline {
                    if let gauge = try? metrics.expectGauge("bus_consumer_lag_events", [("consumer", "registry.metrics")]),
                        gauge.lastValue == 0
                    {
                        break
                    }
                    try await Task.sleep(for: .milliseconds(20))
                }
                group.cancelAll()
            }
            let timer = try metrics.expectTimer("bus_handler_duration_seconds", [("consumer", "registry.metrics"), ("type", StepRecorded.type)])
            #expect(timer.values.count == 6)
            #expect(timer.values.allSatisfy { $0 > 0 })
            // Each event's delay from its publication to the commit that applied it: published before
            // the consumer started, each waited at least as long as its own handling.
            let delays = try metrics.expectTimer("bus_event_delay_seconds", [("consumer", "registry.metrics")])
            #expect(delays.values.count == 6)
            #expect(delays.values.allSatisfy { $0 > 0 && $0 < 60_000_000_000 } && delays.values.max()! >= timer.values.min()!)
            let lag = try metrics.expectGauge("bus_consumer_lag_events", [("consumer", "registry.metrics")])
            #expect(lag.lastValue == 0)
            #expect(lag.values.allSatisfy { (0...6).contains($0) })
            _ = try metrics.expectGauge("bus_consumer_dead_events", [("consumer", "registry.metrics")])
            await client.shutdown()
        }
    }
}
