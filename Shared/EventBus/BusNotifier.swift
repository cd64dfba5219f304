import Logging
import Postgres
import Synchronization

/// Wakes consumers after events commit: `NOTIFY bus_events, '<topic>'` sent from a connection of
/// its own, after the publishing transaction, instead of inside it.
///
/// A transaction that runs `NOTIFY` takes a cluster-wide lock while it commits, so notifying from
/// every publishing transaction serialises all of them. Here publishing transactions commit
/// without it; their topics are collected and one short transaction notifies each of them once,
/// while further commits collect for the next. A notification is a hint only: if the process
/// dies between a commit and its notification, consumers find the event at their next backstop
/// poll or reconnect. Share one notifier per process.
public final class BusNotifier: Sendable {
    /// The channel consumers listen on; the payload is a topic.
    public static let channel = "bus_events"

    private struct State {
        var pending: Set<String> = []
        var draining = false
        var connection: PostgresConnection?
    }

    private let configuration: PostgresConfiguration
    private let logger: Logger
    private let state = Mutex(State())

    /// Notifies through a connection opened with `configuration` when first needed.
    public init(configuration: PostgresConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Notifies through a connection of its own to `database`'s server, as `database`'s role.
    public convenience init(database: PostgresClient, logger: Logger) {
        self.init(configuration: database.configuration, logger: logger)
    }

    /// Asks for `topic` to be notified soon; returns at once.
    public func wake(_ topic: String) {
        let start = state.withLock { state -> Bool in
            state.pending.insert(topic)
            guard !state.draining else { return false }
            state.draining = true
            return true
        }
        if start { Task { await self.drain() } }
    }

    /// Sends what is pending, one transaction per round, until nothing is.
    private func drain() async {
        while true {
            let (topics, cached) = state.withLock { state -> ([String], PostgresConnection?) in
                defer { state.pending.removeAll() }
                if state.pending.isEmpty { state.draining = false }
                return (state.pending.sorted(), state.connection)
            }
            guard !topics.isEmpty else { return }
            do {
                let connection: PostgresConnection
                if let cached {
                    connection = cached
                } else {
                    connection = try await PostgresConnection.connect(configuration: configuration, logger: logger)
                    state.withLock { $0.connection = connection }
                }
                try await connection.query(
                    "SELECT pg_notify(\(Self.channel), topic) FROM unnest(\(topics)::text[]) AS topic")
            } catch {
                state.withLock { $0.connection = nil }
                logger.warning(
                    "Cannot wake the bus's consumers; they will find the events at their next poll",
                    metadata: ["error": "\(error)", "topics": "\(topics.joined(separator: ","))"])
            }
        }
    }
}
