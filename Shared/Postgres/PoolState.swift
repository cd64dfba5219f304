/// The bookkeeping of `PostgresClient`, mutated only under its lock.
struct PoolState: ~Copyable {
    enum Grant: Sendable {
        case connection(PostgresConnection)
        /// A slot became free: try to open a connection yourself.
        case retry
    }

    enum LeaseDecision {
        case use(PostgresConnection)
        case create
        case wait(Int)
        case shutDown
    }

    enum ReleaseOutcome {
        case handedTo(CheckedContinuation<Grant, any Error>)
        case pooled
        case close
    }

    typealias Waiter = (id: Int, continuation: CheckedContinuation<Grant, any Error>)

    var idle: [PostgresConnection] = []
    /// Connections open or being opened.
    var open = 0
    var waiters: [Waiter] = []
    var nextWaiterID = 0
    var isShutDown = false

    /// Prefers an idle connection driven by `loop` (the caller's I/O thread), then the most recent.
    mutating func lease(limit: Int, preferring loop: EventLoop?) -> LeaseDecision {
        if isShutDown { return .shutDown }
        if let loop, let index = idle.lastIndex(where: { $0.loop === loop }) { return .use(idle.remove(at: index)) }
        if loop == nil, let connection = idle.popLast() { return .use(connection) }
        if open < limit {
            open += 1
            return .create
        }
        if let connection = idle.popLast() { return .use(connection) }
        if open < limit {
            open += 1
            return .create
        }
        nextWaiterID += 1
        return .wait(nextWaiterID)
    }

    enum Enqueued {
        case waiting
        case refused
        /// A connection was returned, or a slot freed, between the lease decision and the
        /// waiter's arrival: lease again instead of waiting for a release that may never come.
        case capacityAvailable
    }

    mutating func enqueue(_ waiter: Waiter, limit: Int) -> Enqueued {
        if !idle.isEmpty || open < limit { return .capacityAvailable }
        waiters.append(waiter)
        return .waiting
    }

    mutating func release(_ connection: PostgresConnection) -> ReleaseOutcome {
        if isShutDown {
            open -= 1
            return .close
        }
        if !waiters.isEmpty { return .handedTo(waiters.removeFirst().continuation) }
        idle.append(connection)
        return .pooled
    }

    /// A connection failed to open or was discarded: frees its slot and returns a waiter that
    /// should try to open one instead.
    mutating func creationFailed() -> CheckedContinuation<Grant, any Error>? {
        open -= 1
        return waiters.isEmpty ? nil : waiters.removeFirst().continuation
    }

    mutating func removeWaiter(_ id: Int) -> CheckedContinuation<Grant, any Error>? {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return nil }
        return waiters.remove(at: index).continuation
    }

    mutating func shutDown() -> ([PostgresConnection], [CheckedContinuation<Grant, any Error>]) {
        isShutDown = true
        let connections = idle
        open -= idle.count
        idle = []
        let pending = waiters.map(\.continuation)
        waiters = []
        return (connections, pending)
    }
}
