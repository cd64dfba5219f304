import Logging
import Postgres
import ServiceLifecycle
import Synchronization

/// Wakes consumers after events commit: `NOTIFY bus_events, '<topic>'` sent after the publishing
/// transaction, on another pooled connection, instead of inside it.
///
/// A transaction that runs `NOTIFY` takes a cluster-wide lock while it commits, so notifying from
/// every publishing transaction serialises all of them. Here publishing transactions commit
/// without it; their topics are collected and one short transaction notifies each of them once,
/// while further commits collect for the next. A notification is a hint only: if the process
/// dies between a commit and its notification, consumers find the event at their next backstop
/// poll or reconnect.
///
/// A lifecycle `Service`: `run()` sends the notifications until graceful shutdown (after sending
/// what is pending) or cancellation; topics woken while it does not run wait for it (consumers
/// still poll). Share one notifier per process and run it beside the pool it borrows from.
public final class BusNotifier: Service, Sendable {
    /// The channel consumers listen on; the payload is a topic.
    public static let channel = "bus_events"

    private struct State {
        var pending: Set<String> = []
        /// `run()` waiting for the next topic.
        var waiter: CheckedContinuation<Void, Never>?
        var stopping = false
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
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.pending.insert(topic)
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// The shortest time between two rounds: commits in between share the next round. Each round
    /// is a transaction that takes NOTIFY's cluster-wide lock as it commits, so under a heavy
    /// publishing load this bounds that cost to a thousand small transactions a second; the first
    /// commit after a quiet spell is still notified at once.
    public static let minimumInterval: Duration = .milliseconds(1)

    /// Sends what is woken, one transaction per round, until graceful shutdown (what is pending
    /// then is still sent) or cancellation.
    /// Runs on an I/O thread of the pool, so that its statements start and resume without a hop.
    public func run() async throws {
        await withTaskExecutorPreference(database.executors.first) {
            var lastRound: ContinuousClock.Instant?
            while await nextTopics() {
                if let lastRound {
                    let next = lastRound + Self.minimumInterval
                    if next > .now { try? await Task.sleep(until: next, clock: .continuous) }
                }
                let topics = state.withLock { state -> [String] in
                    defer { state.pending.removeAll() }
                    return state.pending.sorted()
                }
                guard !topics.isEmpty else { continue }
                lastRound = .now
                do {
                    try await database.query("SELECT pg_notify(\(Self.channel), topic) FROM unnest(\(topics)::text[]) AS topic")
                } catch let error as PostgresError where error.code == .poolShutDown {
                    return
                } catch is CancellationError {
                    return
                } catch {
                    logger.warning(
                        "Cannot wake the bus's consumers; they will find the events at their next poll",
                        metadata: ["error": "\(error)", "topics": "\(topics.joined(separator: ","))"])
                }
            }
        }
    }

    /// Waits until a topic is pending (true) or the notifier is to stop with nothing pending (false).
    private func nextTopics() async -> Bool {
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let ready = state.withLock { state -> Bool in
                        if !state.pending.isEmpty || state.stopping { return true }
                        state.waiter = continuation
                        return false
                    }
                    if ready { continuation.resume() }
                }
            } onCancel: {
                self.stop()
            }
        } onGracefulShutdown: {
            self.stop()
        }
        return state.withLock { !$0.pending.isEmpty || !$0.stopping }
    }

    private func stop() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.stopping = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }
}
