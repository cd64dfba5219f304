import Foundation
import Logging
import Postgres
import ServiceKit
import ServiceLifecycle
import Synchronization

/// Tells open dashboard pages when their province's figures change: LISTENs on
/// `statistics_figures` (the counting consumer notifies each province whose aggregates an event
/// changed, when its transaction commits) and hands each notification to the pages of that
/// province. After a reconnection every page is told (notifications may have been missed).
///
/// A lifecycle `Service`; on graceful shutdown every page's stream ends, so that open event
/// streams do not hold the server up.
final class DashboardUpdates: Service, Sendable {
    static let channel = "statistics_figures"
    /// The payload that tells every page (a rebuild swapped new tables in).
    static let everywhere = "*"

    /// What a page's stream yields.
    enum Update: Sendable, Equatable {
        case figures
        /// Nothing new: keeps the connection (and proxies) awake and finds closed ones.
        case heartbeat
    }

    private struct Subscriber {
        let province: String
        let continuation: AsyncStream<Update>.Continuation
    }

    private struct State {
        var subscribers: [UUID: Subscriber] = [:]
        var stopped = false
    }

    private let configuration: PostgresConfiguration
    private let logger: Logger
    private let heartbeat: Duration
    private let state = Mutex(State())

    init(configuration: PostgresConfiguration, logger: Logger, heartbeat: Duration = .seconds(15)) {
        self.configuration = configuration
        self.logger = logger
        self.heartbeat = heartbeat
    }

    private struct Shared {
        weak var database: PostgresClient?
        let updates: DashboardUpdates
    }

    private static let instances = Mutex<[ObjectIdentifier: Shared]>([:])

    /// The one instance of a service's environment, which its routes and its background services
    /// share (found by the environment's pool).
    static func shared(for environment: ServiceEnvironment) -> DashboardUpdates {
        instances.withLock { instances in
            let key = ObjectIdentifier(environment.database)
            if let found = instances[key], found.database === environment.database { return found.updates }
            instances = instances.filter { $0.value.database != nil }
            let updates = DashboardUpdates(
                configuration: environment.configuration.postgres(for: StatisticsService.descriptor), logger: environment.logger)
            instances[key] = Shared(database: environment.database, updates: updates)
            return updates
        }
    }

    /// One page's updates.
    struct Subscription: Sendable {
        /// Ends when the service stops or `end` is called. Holds at most one pending update
        /// (several changes in a row are one refresh).
        let updates: AsyncStream<Update>
        /// Ends `updates` (the page's server is stopping).
        let end: @Sendable () -> Void
    }

    /// The updates of a page of `province`.
    func subscribe(province: String) -> Subscription {
        let (stream, continuation) = AsyncStream.makeStream(of: Update.self, bufferingPolicy: .bufferingNewest(1))
        let id = UUID()
        let added = state.withLock { state -> Bool in
            guard !state.stopped else { return false }
            state.subscribers[id] = Subscriber(province: province, continuation: continuation)
            return true
        }
        guard added else {
            continuation.finish()
            return Subscription(updates: stream, end: {})
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        return Subscription(updates: stream, end: { continuation.finish() })
    }

    /// How many pages are open (for tests and metrics).
    var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    func run() async throws {
        let listener = PostgresListener(configuration: configuration, channels: [Self.channel], logger: logger)
        let heartbeat = self.heartbeat
        await withDiscardingTaskGroup { group in
            group.addTask { try? await listener.run() }
            group.addTask {
                while !Task.isCancelled, !Task.isShuttingDownGracefully {
                    try? await Task.sleep(for: heartbeat)
                    self.send(.heartbeat) { _ in true }
                }
            }
            for await event in listener.events {
                switch event {
                case .listening: send(.figures) { _ in true }
                case .notification(_, let province): send(.figures) { province == Self.everywhere || $0 == province }
                }
            }
            group.cancelAll()
        }
        let ended = state.withLock { state -> [Subscriber] in
            state.stopped = true
            defer { state.subscribers.removeAll() }
            return Array(state.subscribers.values)
        }
        for subscriber in ended { subscriber.continuation.finish() }
    }

    private func send(_ update: Update, to wanted: (String) -> Bool) {
        let targets = state.withLock { $0.subscribers.values.filter { wanted($0.province) }.map(\.continuation) }
        for continuation in targets { continuation.yield(update) }
    }
}
