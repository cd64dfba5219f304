import Logging
import ServiceLifecycle
import Synchronization

/// A bounded pool of connections, and the way services talk to PostgreSQL.
///
/// Connections are opened on demand up to `poolSize`; a caller that finds none free queues, and
/// callers are served in arrival order. A waiter gets `.poolTimeout` only when `poolTimeout`
/// passes without any waiter being served (every connection held that long): a pool that is busy
/// but moving never times out, and a wait grows with the queue ahead, not with the machine's
/// load. Each connection handed out is checked first (open, idle, nothing unexpected from the
/// server); a broken one is closed and replaced.
/// As a lifecycle `Service`, `run()` keeps the pool until graceful shutdown, then closes it.
public final class PostgresClient: Service, Sendable {
    public let configuration: PostgresConfiguration
    private let logger: Logger
    private let state = Mutex(PoolState())

    public init(configuration: PostgresConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// The executors of the I/O threads (one per core). A task that mostly talks to the database
    /// can prefer one (`group.addTask(executorPreference: client.executors[i % n])`): the pool
    /// then lends it a connection driven by that same thread, so its statements start and resume
    /// without hopping between threads. Keep CPU-heavy work off them: they drive all I/O.
    public var executors: [any TaskExecutor] { EventLoops.all }

    /// Waits for graceful shutdown or cancellation, then closes every connection.
    public func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }

    /// Refuses new work, fails waiters, and closes idle connections; leased ones close when returned.
    public func shutdown() async {
        let (idle, waiters) = state.withLock { $0.shutDown() }
        for waiter in waiters { waiter.resume(throwing: PostgresError(code: .poolShutDown, message: "the pool is shut down")) }
        for connection in idle { await connection.close() }
    }

    /// Lends a connection to `body` and takes it back afterwards, whatever `body` does.
    @discardableResult
    public func withConnection<T>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection) async throws -> sending T
    ) async throws -> sending T {
        try await lend(try await lease(), body)
    }

    /// Lends a connection to `body` only if one can be had without queueing (an idle one, or room
    /// to open another); returns nil at once otherwise. For optional parallel work of a caller
    /// that already holds a connection: waiting for a second one while holding the first could
    /// starve the pool.
    public func withConnectionIfAvailable<T>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection) async throws -> sending T
    ) async throws -> sending T? {
        try Task.checkCancellation()
        let decision = state.withLock { $0.lease(limit: configuration.poolSize, preferring: EventLoops.current) }
        let connection: PostgresConnection
        switch decision {
        case .wait: return nil
        case .shutDown: throw PostgresError(code: .poolShutDown, message: "the pool is shut down")
        case .use(let idle): connection = try await ready(.connection(idle))
        case .create: connection = try await ready(.create)
        }
        return try await lend(connection, body)
    }

    /// Runs `body` with `connection` and takes it back afterwards, whatever `body` does.
    private func lend<T>(
        isolation: isolated (any Actor)? = #isolation, _ connection: PostgresConnection,
        _ body: (PostgresConnection) async throws -> sending T
    ) async throws -> sending T {
        do {
            let value = try await body(connection)
            release(connection)
            return value
        } catch {
            release(connection)
            throw error
        }
    }

    /// Runs `body` in a transaction on one pooled connection; see `PostgresConnection.withTransaction`.
    @discardableResult
    public func withTransaction<T>(
        isolation level: TransactionIsolation = .readCommitted,
        readOnly: Bool = false,
        settings: [TransactionSetting] = [],
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection) async throws -> sending T
    ) async throws -> sending T {
        try await withConnection { connection in
            try await connection.withTransaction(isolation: level, readOnly: readOnly, settings: settings) { try await body($0) }
        }
    }

    /// Runs one statement on a pooled connection.
    @discardableResult
    public nonisolated(nonsending) func query(_ query: PostgresQuery) async throws -> PostgresRows {
        // The usual case, an idle connection ready at once, takes no await before the statement.
        let connection: PostgresConnection
        if let idle = try takeIdle() { connection = idle } else { connection = try await lease() }
        do {
            let rows = try await connection.query(query)
            release(connection)
            return rows
        } catch {
            release(connection)
            throw error
        }
    }

    /// Open connections and idle ones, for metrics and tests.
    public var statistics: (open: Int, idle: Int, waiting: Int) {
        state.withLock { ($0.open, $0.idle.count, $0.waiters.count) }
    }

    // MARK: Leasing

    /// An idle, healthy connection if one is free and nobody waits; nil otherwise (then `lease`).
    private func takeIdle() throws -> PostgresConnection? {
        try Task.checkCancellation()
        let idle = state.withLock { $0.takeIdle(preferring: EventLoops.current) }
        guard let idle else { return nil }
        if idle.isIdleAndHealthy { return idle }
        logger.debug("Replacing a broken pooled connection", metadata: ["postgres.backend": "\(idle.backendPID)"])
        discard(idle)
        return nil
    }

    private nonisolated(nonsending) func lease() async throws -> PostgresConnection {
        try Task.checkCancellation()
        let decision = state.withLock { $0.lease(limit: configuration.poolSize, preferring: EventLoops.current) }
        let grant: PoolState.Grant
        switch decision {
        case .shutDown:
            throw PostgresError(code: .poolShutDown, message: "the pool is shut down")
        case .use(let connection):
            grant = .connection(connection)
        case .create:
            grant = .create
        case .wait:
            grant = try await wait()
        }
        return try await ready(grant)
    }

    /// The connection of `grant`, checked (a broken one is replaced by a new one in the same slot,
    /// without queueing again), or a new one.
    private nonisolated(nonsending) func ready(_ grant: PoolState.Grant) async throws -> PostgresConnection {
        var grant = grant
        while true {
            switch grant {
            case .connection(let connection):
                if connection.isIdleAndHealthy { return connection }
                logger.debug("Replacing a broken pooled connection", metadata: ["postgres.backend": "\(connection.backendPID)"])
                await connection.close()
                grant = .create
            case .create:
                do {
                    return try await PostgresConnection.connect(configuration: configuration, logger: logger)
                } catch {
                    state.withLock { $0.creationFailed(now: .now) }?.resume(returning: .create)
                    throw error
                }
            }
        }
    }

    /// Takes a connection back. Never waits: a connection to close (broken, in a transaction
    /// left open, or returned after shutdown) is closed on its I/O thread, whose queue orders the
    /// close before anything submitted later.
    private func release(_ connection: PostgresConnection) {
        connection.resetCancellation()
        connection.markReleased()
        guard connection.isReusable else {
            discard(connection)
            return
        }
        let outcome = state.withLock { $0.release(connection, now: .now) }
        switch outcome {
        case .handedTo(let waiter): waiter.resume(returning: .connection(connection))
        case .pooled: break
        case .close: connection.closeSoon()
        }
    }

    /// Closes a connection that must not be reused, then frees its slot for a new one (never
    /// more sessions open than `poolSize`, even for a moment).
    private func discard(_ connection: PostgresConnection) {
        connection.closeSoon { [self] in
            state.withLock { $0.creationFailed(now: .now) }?.resume(returning: .create)
        }
    }

    /// Queues behind earlier waiters until a connection or a slot is handed over; fails with
    /// `.poolTimeout` after `poolTimeout` without any waiter being served.
    private func wait() async throws -> PoolState.Grant {
        let id = state.withLock { $0.makeWaiterID() }
        let limit = configuration.poolSize
        let timeout = configuration.poolTimeout
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let outcome = state.withLock { state -> PoolState.Enqueued in
                    guard !Task.isCancelled else { return .refused }
                    return state.enqueue(id: id, continuation: continuation, limit: limit, timeout: timeout, now: .now)
                }
                switch outcome {
                case .waiting(let deadline):
                    if let deadline { scheduleExpiry(at: deadline) }
                case .granted(let grant):
                    continuation.resume(returning: grant)
                case .refused:
                    if Task.isCancelled {
                        continuation.resume(throwing: CancellationError())
                    } else {
                        continuation.resume(throwing: PostgresError(code: .poolShutDown, message: "the pool is shut down"))
                    }
                }
            }
        } onCancel: {
            state.withLock { $0.removeWaiter(id) }?.resume(throwing: CancellationError())
        }
    }

    /// Fails the waiters that saw no progress for `poolTimeout` at `deadline`, on an I/O thread's
    /// timer (no task per waiter); re-arms itself while waiters remain.
    private func scheduleExpiry(at deadline: ContinuousClock.Instant) {
        EventLoops.timerLoop.schedule(at: deadline) { [self] in
            let timeout = configuration.poolTimeout
            let (expired, next) = state.withLock { $0.expire(timeout: timeout, now: .now) }
            if let next { scheduleExpiry(at: next) }
            for waiter in expired {
                waiter.continuation.resume(
                    throwing: PostgresError(
                        code: .poolTimeout,
                        message: "no connection became free within \(timeout) (pool size \(configuration.poolSize), no waiter served meanwhile)"))
            }
        }
    }

    /// How long callers have waited for a connection so far.
    public var waitHistogram: PoolWaitHistogram {
        state.withLock { $0.waits }
    }
}
