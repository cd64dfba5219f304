import EventBus
import Logging
import Postgres
import ServiceLifecycle

/// Runs `body` with a `BusNotifier` borrowing from `client` running beside it in a service group,
/// as a service's application runs one; then shuts it down gracefully, so that what `body`'s
/// commits woke is notified before this returns.
public func withRunningNotifier<T: Sendable>(
    _ client: PostgresClient, _ body: (BusNotifier) async throws -> T
) async throws -> T {
    let notifier = BusNotifier(database: client, logger: .test)
    let services = ServiceGroup(services: [notifier], logger: .test)
    return try await withThrowingTaskGroup(of: Void.self, returning: T.self) { group in
        group.addTask { try await services.run() }
        do {
            let value = try await body(notifier)
            await services.triggerGracefulShutdown()
            try await group.waitForAll()
            return value
        } catch {
            group.cancelAll()
            throw error
        }
    }
}
