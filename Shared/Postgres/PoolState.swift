/// The bookkeeping of `PostgresClient`, mutated only under its lock.
///
/// Waiters are served strictly in arrival order: while anyone waits, a newcomer queues behind
/// them even if a connection is returned at that very moment, and a returned connection (or a
/// freed slot) goes straight to the first waiter. A waiter gives up only after `timeout` without
/// progress, that is without any waiter being served: a busy pool that keeps serving its queue
/// never times anyone out, however loaded the machine, and the longest wait grows with the
/// number of waiters ahead, not with the machine's load.
struct PoolState: ~Copyable {
    enum Grant: Sendable {
        case connection(PostgresConnection)
        /// A slot is reserved for the waiter (counted in `open`): open a connection yourself.
        case create
    }

    enum LeaseDecision {
        case use(PostgresConnection)
        case create
        /// Nothing free, or others are waiting: queue behind them (`enqueue`).
        case wait
        case shutDown
    }

    enum ReleaseOutcome {
        case handedTo(CheckedContinuation<Grant, any Error>)
        case pooled
        case close
    }

    enum Enqueued {
        /// Queued; `armTimer` is set when the caller must schedule the expiry check at that time.
        case waiting(armTimer: ContinuousClock.Instant?)
        /// Served at once: capacity came back between the lease decision and the enqueue.
        case granted(Grant)
        case refused
    }

    struct Waiter {
        let id: Int
        let enqueued: ContinuousClock.Instant
        let continuation: CheckedContinuation<Grant, any Error>
    }

    var idle: [PostgresConnection] = []
    /// Connections open or being opened.
    var open = 0
    /// In arrival order.
    var waiters: [Waiter] = []
    var nextWaiterID = 0
    var isShutDown = false
    /// When a waiter was last served (or the queue last became non-empty).
    var lastProgress = ContinuousClock.now
    /// The time of the expiry check already scheduled, if any.
    var timerDeadline: ContinuousClock.Instant?
    /// How long each served waiter waited.
    var waits = PoolWaitHistogram()

    /// Prefers an idle connection driven by `loop` (the caller's I/O thread), then the most recent.
    mutating func lease(limit: Int, preferring loop: EventLoop?) -> LeaseDecision {
        if isShutDown { return .shutDown }
        guard waiters.isEmpty else { return .wait }
        if let loop, let index = idle.lastIndex(where: { $0.loop === loop }) { return .use(idle.remove(at: index)) }
        if loop == nil, let connection = idle.popLast() { return .use(connection) }
        if open < limit {
            open += 1
            return .create
        }
        if let connection = idle.popLast() { return .use(connection) }
        return .wait
    }

    /// An idle connection when nobody waits, preferring one driven by `loop`; nil otherwise
    /// (then `lease` decides). Never opens one: that takes an await.
    mutating func takeIdle(preferring loop: EventLoop?) -> PostgresConnection? {
        guard !isShutDown, waiters.isEmpty, !idle.isEmpty else { return nil }
        if let loop {
            guard let index = idle.lastIndex(where: { $0.loop === loop }) else { return nil }
            return idle.remove(at: index)
        }
        return idle.popLast()
    }

    mutating func makeWaiterID() -> Int {
        nextWaiterID += 1
        return nextWaiterID
    }

    /// Queues a waiter, or serves it at once when capacity came back and nobody is ahead.
    mutating func enqueue(
        id: Int, continuation: CheckedContinuation<Grant, any Error>, limit: Int, timeout: Duration, now: ContinuousClock.Instant
    ) -> Enqueued {
        if isShutDown { return .refused }
        if waiters.isEmpty {
            if let connection = idle.popLast() { return .granted(.connection(connection)) }
            if open < limit {
                open += 1
                return .granted(.create)
            }
            lastProgress = now
        }
        waiters.append(Waiter(id: id, enqueued: now, continuation: continuation))
        guard timerDeadline == nil else { return .waiting(armTimer: nil) }
        let deadline = max(lastProgress, waiters[0].enqueued) + timeout
        timerDeadline = deadline
        return .waiting(armTimer: deadline)
    }

    mutating func release(_ connection: PostgresConnection, now: ContinuousClock.Instant) -> ReleaseOutcome {
        if isShutDown {
            open -= 1
            return .close
        }
        if let waiter = serveFirst(now: now) { return .handedTo(waiter) }
        idle.append(connection)
        return .pooled
    }

    /// A connection failed to open or was discarded: hands its slot to the first waiter (who then
    /// opens one), or frees it.
    mutating func creationFailed(now: ContinuousClock.Instant) -> CheckedContinuation<Grant, any Error>? {
        if !isShutDown, let waiter = serveFirst(now: now) { return waiter }
        open -= 1
        return nil
    }

    private mutating func serveFirst(now: ContinuousClock.Instant) -> CheckedContinuation<Grant, any Error>? {
        guard !waiters.isEmpty else { return nil }
        let waiter = waiters.removeFirst()
        lastProgress = now
        waits.record(now - waiter.enqueued)
        return waiter.continuation
    }

    mutating func removeWaiter(_ id: Int) -> CheckedContinuation<Grant, any Error>? {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return nil }
        return waiters.remove(at: index).continuation
    }

    /// The expiry check: every waiter whose wait has seen no progress for `timeout` is removed and
    /// returned; `next` is when to check again (nil: no waiter left, no timer needed).
    mutating func expire(timeout: Duration, now: ContinuousClock.Instant) -> (expired: [Waiter], next: ContinuousClock.Instant?) {
        var expired: [Waiter] = []
        while let first = waiters.first, max(lastProgress, first.enqueued) + timeout <= now {
            expired.append(waiters.removeFirst())
        }
        if let first = waiters.first {
            timerDeadline = max(lastProgress, first.enqueued) + timeout
        } else {
            timerDeadline = nil
        }
        return (expired, timerDeadline)
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
