import EventBus
import Foundation
import Postgres
import TestSupport
import Testing

@Suite("A consumer killed mid-batch", .timeLimit(.minutes(2)))
struct CrashRecoveryTests {
    @Test func sigkillMidBatchThenRestartLeavesEveryEffectExactlyOnce() async throws {
        try await withTestDatabase("bus_sigkill") { database in
            let client = try await database.busClient()
            try await publishSteps((1...30).map { "k\($0)" }, steps: 1...10, on: client)
            let environment = ["DATABASE_URL": try database.conninfo(role: "registry")]
            let first = try ServiceProcess("bus-test-consumer", arguments: ["registry.crash"], port: 0, environment: environment)
            // Kill it once some, not all, events are handled: its open batch dies with it.
            var handled = 0
            let deadline = ContinuousClock.now + .seconds(30)
            while handled < 40 && ContinuousClock.now < deadline {
                handled = try await client.query("SELECT count(*) FROM registry.handled")[0].decode(Int.self, at: 0)
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(handled >= 40 && handled < 300)
            #expect(try await first.stop(signal: SIGKILL) == SIGKILL)
            // The killed worker's slots are free again within 15 seconds of the kill.
            let restarted = ContinuousClock.now
            let second = try ServiceProcess("bus-test-consumer", arguments: ["registry.crash"], port: 0, environment: environment)
            try await waitForHandled(handled + 1, on: client, timeout: .seconds(15))
            #expect(ContinuousClock.now - restarted < .seconds(15))
            try await waitForHandled(300, on: client, timeout: .seconds(60))
            _ = try await second.stop(signal: SIGTERM)
            let counts = try await client.query("SELECT count(*), count(DISTINCT event_id) FROM registry.handled")[0].decode((Int, Int).self)
            #expect(counts == (300, 300))
            // No effect was attempted twice: a second insert of an event would have failed and been held.
            #expect(try await client.query("SELECT count(*) FROM bus.held_events")[0].decode(Int.self, at: 0) == 0)
            await client.shutdown()
        }
    }
}
