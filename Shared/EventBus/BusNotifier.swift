import Logging
import Postgres
import Synchronization

/// Wakes consumers after events commit: `NOTIFY bus_events, '<topic>'` sent after the publishing
/// transaction, on another pooled connection, instead of inside it.
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
    }

    private let database: PostgresClient
    private let logger: Logger
    private let state = Mutex(State())

    /// Notifies through connections borrowed from `database`'s pool, one round at a time.
    public init(database: PostgresClient, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    /// Asks for `topic` to be notified soon; returns at once.
    public func wake(_ topic: String) {
        let start = state.withLock { state -> Bool in
            state.pending.insert(topic)
            guard !state.draining else { return false }
            state.draining = true
            return true
        }
        // On an I/O thread of the pool: its statement then starts and resumes without a thread hop.
        if start { Task(executorPreference: database.executors.first) { await self.drain() } }
    }

    /// The shortest time between two rounds: commits in between share the next round. Each round
    /// is a transaction that takes NOTIFY's cluster-wide lock as it commits, so under a heavy
    /// publishing load this bounds that cost to a thousand small transactions a second; the first
    /// commit after a quiet spell is still notified at once.
    public static let minimumInterval: Duration = .milliseconds(1)

    /// Sends what is pending, one transaction per round, until nothing is.
    private func drain() async {
        var lastRound: ContinuousClock.Instant?
        while true {
            if let lastRound {
                let next = lastRound + Self.minimumInterval
                if next > .now { try? await Task.sleep(until: next, clock: .continuous) }
            }
            let topics = state.withLock { state -> [String] in
                defer { state.pending.removeAll() }
                if state.pending.isEmpty { state.draining = false }
                return state.pending.sorted()
            }
            guard !topics.isEmpty else { return }
            lastRound = .now
            do {
                try await database.query("SELECT pg_notify(\(Self.channel), topic) FROM unnest(\(topics)::text[]) AS topic")
            } catch let error as PostgresError where error.code == .poolShutDown {
                return
            } catch {
                logger.warning(
                    "Cannot wake the bus's consumers; they will find the events at their next poll",
                    metadata: ["error": "\(error)", "topics": "\(topics.joined(separator: ","))"])
            }
        }
    }
}
