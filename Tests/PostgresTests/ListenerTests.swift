import Foundation
import Postgres
import TestSupport
import Testing

@Suite("LISTEN/NOTIFY listener", .timeLimit(.minutes(1)))
struct ListenerTests {
    /// Waits for the next event matching `predicate`, failing after `timeout`.
    func next(
        _ iterator: inout AsyncStream<ListenerEvent>.Iterator, timeout: Duration = .seconds(15), where predicate: (ListenerEvent) -> Bool
    ) async throws -> ListenerEvent {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            guard let event = await iterator.next() else { throw TestSupportError("listener ended") }
            if predicate(event) { return event }
        }
        throw TestSupportError("timed out waiting for a listener event")
    }

    @Test func deliversNotificationsAndReconnectsAfterTermination() async throws {
        try await withTestDatabase("listener") { database in
            var configuration = database.configuration()
            configuration.applicationName = "listener-under-test"
            let listener = PostgresListener(
                configuration: configuration, channels: ["bus_events", "Mixed Case"],
                backoff: Backoff(initial: .milliseconds(50), maximum: .milliseconds(500)), logger: .test)
            let sender = database.client()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await listener.run() }
                var events = listener.events.makeAsyncIterator()
                _ = try await next(&events) { $0 == .listening }

                try await sender.query("SELECT pg_notify('bus_events', \("person:Nguyễn"))")
                try await sender.query("SELECT pg_notify('Mixed Case', '')")
                // (Each event is read into a constant first: `#expect` must not evaluate an inout await.)
                let first = try await next(&events) { _ in true }
                #expect(first == .notification(channel: "bus_events", payload: "person:Nguyễn"))
                let second = try await next(&events) { _ in true }
                #expect(second == .notification(channel: "Mixed Case", payload: ""))

                // Kill the listener's backend: it must reconnect, re-LISTEN and say so.
                try await sender.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'listener-under-test'")
                _ = try await next(&events) { $0 == .listening }
                try await sender.query("SELECT pg_notify('bus_events', 'after reconnect')")
                let third = try await next(&events) { if case .notification = $0 { true } else { false } }
                #expect(third == .notification(channel: "bus_events", payload: "after reconnect"))

                group.cancelAll()
                try await group.waitForAll()
                let end = await events.next()
                #expect(end == nil)
            }
            await sender.shutdown()
        }
    }

    @Test func notificationsOfARolledBackTransactionNeverArrive() async throws {
        try await withTestDatabase("listener_rollback") { database in
            let listener = PostgresListener(configuration: database.configuration(), channels: ["wake"], logger: .test)
            let sender = database.client()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await listener.run() }
                var events = listener.events.makeAsyncIterator()
                _ = try await next(&events) { $0 == .listening }
                struct Abort: Error {}
                _ = try? await sender.withTransaction { connection in
                    try await connection.query("SELECT pg_notify('wake', 'rolled back')")
                    throw Abort()
                }
                try await sender.withTransaction { try await $0.query("SELECT pg_notify('wake', 'committed')") }
                let received = try await next(&events) { _ in true }
                #expect(received == .notification(channel: "wake", payload: "committed"))
                group.cancelAll()
            }
            await sender.shutdown()
        }
    }
}
