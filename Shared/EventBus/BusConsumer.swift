import Foundation
import Logging
import Metrics
import Postgres
import ServiceLifecycle
import Synchronization

/// Delivers bus events to a handler, exactly once in effect, in publish order per key.
///
/// Workers lock slots of the consumer (`FOR UPDATE SKIP LOCKED`), so several workers and replicas
/// share the work and a slot is never handled twice at once; a killed worker's locks vanish with
/// its connection, and another takes the slots over at once. Each batch runs in one transaction
/// with the handler's writes and the new positions. A handler that throws has its event held:
/// retried with backoff and jitter, parked as dead after `maxAttempts`, with only later events of
/// the same key waiting behind it. Workers wake on NOTIFY (one waiting worker per new event),
/// after every listener reconnect, and at least every `pollInterval`.
///
/// Each worker prefers one of the pool's I/O threads, so its statements start and resume there
/// without thread switches; a handler's own computing runs there too and holds up that thread's
/// other connections meanwhile, so handlers should do little besides their statements.
public final class BusConsumer: Service, Sendable {
    public let configuration: ConsumerConfiguration
    private let handler: any EventHandler
    private let database: PostgresClient
    private let listenerConfiguration: PostgresConfiguration
    private let logger: Logger
    private let store: ConsumerStore
    private let metrics: any MetricsFactory

    public init(
        configuration: ConsumerConfiguration, handler: any EventHandler, database: PostgresClient, logger: Logger,
        metrics: any MetricsFactory = MetricsSystem.factory
    ) {
        self.metrics = metrics
        self.configuration = configuration
        self.handler = handler
        self.database = database
        self.listenerConfiguration = database.configuration
        var logger = logger
        logger[metadataKey: "bus.consumer"] = "\(configuration.name)"
        self.logger = logger
        self.store = ConsumerStore(name: configuration.name)
    }

    /// Records the consumer and its starting position, if new. `run()` does it too; call it ahead
    /// (at deployment) so that retention keeps events for a consumer that has not run yet.
    public func register() async throws {
        try await database.withConnection { try await store.register(topics: configuration.topics, start: configuration.start, on: $0) }
    }

    /// Handles batches (and due held events) with `configuration.workers` workers until none is
    /// left; returns how many events they read. For a one-off consumer driven by a command (a
    /// statistics rebuild), without `run()`.
    public func catchUp() async throws -> Int {
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<max(1, configuration.workers) {
                group.addTask {
                    var total = 0
                    var errors = 0
                    var retries = RetryTurn()
                    while !Task.isCancelled {
                        do {
                            let handled = try await self.handleBatch().read
                            let retried = retries.due(afterHandling: handled) ? try await self.retryHeldEvents() : 0
                            errors = 0
                            total += handled
                            if handled == 0 && retried == 0 { break }
                        } catch is CancellationError {
                            throw CancellationError()
                        } catch {
                            // A dropped connection or a conflict: the batch rolled back; try it again a few times.
                            errors += 1
                            guard errors < 5 else { throw error }
                            self.logger.warning("Catch-up batch failed; retrying", metadata: ["error": "\(error)"])
                            try await Task.sleep(for: self.configuration.retryBackoff.delay(attempt: errors) / 10)
                        }
                    }
                    return total
                }
            }
            return try await group.reduce(0, +)
        }
    }

    public func run() async throws {
        try await register()
        let listener = PostgresListener(configuration: listenerConfiguration, channels: ["bus_events"], logger: logger)
        let doorbells = (0..<max(1, configuration.workers)).map { _ in Doorbell() }
        let rings = RingCount()
        let topics = Set(configuration.topics)
        let interval = configuration.pollInterval
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await listener.run() }
            group.addTask {
                for await event in listener.events {
                    switch event {
                    case .listening:
                        rings.add()
                        doorbells.forEach { $0.ring() }
                    case .notification(_, let topic) where topics.contains(topic):
                        rings.add()
                        Doorbell.ringOne(of: doorbells)
                    case .notification: break
                    }
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    rings.add()
                    doorbells.forEach { $0.ring() }
                }
            }
            // Each worker prefers an I/O thread of the pool: its statements then start and resume
            // on the thread that drives its connection, without two thread switches each.
            let executors = database.executors
            for (index, doorbell) in doorbells.enumerated() {
                group.addTask(executorPreference: executors.isEmpty ? nil : executors[index % executors.count]) {
                    try await self.work(doorbell, rings: rings)
                }
            }
            group.addTask { await self.reportMetrics() }
            try? await gracefulShutdown()
            doorbells.forEach { $0.close() }
            group.cancelAll()
        }
    }

    /// Every `metricsInterval`: `bus_consumer_lag_events`, `bus_consumer_lag_seconds`,
    /// `bus_consumer_held_events`, `bus_consumer_dead_events` and
    /// `bus_consumer_oldest_dead_age_seconds`, each with a `consumer` dimension.
    private func reportMetrics() async {
        let dimensions = [("consumer", configuration.name)]
        let lagEvents = Gauge(label: "bus_consumer_lag_events", dimensions: dimensions, factory: metrics)
        let lagSeconds = Gauge(label: "bus_consumer_lag_seconds", dimensions: dimensions, factory: metrics)
        let held = Gauge(label: "bus_consumer_held_events", dimensions: dimensions, factory: metrics)
        let dead = Gauge(label: "bus_consumer_dead_events", dimensions: dimensions, factory: metrics)
        let oldestDead = Gauge(label: "bus_consumer_oldest_dead_age_seconds", dimensions: dimensions, factory: metrics)
        let administration = BusAdministration(database: database)
        while !Task.isCancelled {
            do {
                if let status = try await administration.consumers(named: configuration.name).first {
                    lagEvents.record(status.pendingEvents)
                    lagSeconds.record(status.oldestPendingAgeSeconds ?? 0)
                    held.record(status.heldEvents)
                    dead.record(status.deadEvents)
                    oldestDead.record(status.oldestDeadAt.map { Date.now.timeIntervalSince($0) } ?? 0)
                }
            } catch is CancellationError {
                return
            } catch {
                logger.debug("Cannot read the consumer's status for metrics", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: configuration.metricsInterval)
        }
    }

    /// One worker: handle batches while there is work, then wait for the doorbell. A batch that
    /// took less than it could took everything final when it claimed, so unless a ring came
    /// meanwhile (for another worker, whose claim may have missed what this batch held) the
    /// worker waits rather than claim again for nothing. When its last claim was held back by a
    /// transaction that may still publish, it looks again without a ring (an event committed
    /// above that transaction gets no notification when it ends): after 20 ms, then twice as
    /// long each time nothing came, up to `pollInterval`. A `gatherDelay` comes between waking
    /// and claiming.
    private func work(_ doorbell: Doorbell, rings: RingCount) async throws {
        var errors = 0
        var recheck: Duration?
        var retries = RetryTurn()
        while await doorbell.wait(timeout: recheck) {
            // The wait that just ended, while it is one that found nothing.
            var waited = recheck
            recheck = nil
            if configuration.gatherDelay > .zero { try? await Task.sleep(for: configuration.gatherDelay) }
            while !Task.isCancelled {
                do {
                    let ringsBefore = rings.count
                    let (handled, full, heldBack) = try await handleBatch()
                    let retried = retries.due(afterHandling: handled) ? try await retryHeldEvents() : 0
                    errors = 0
                    if handled > 0 { waited = nil }
                    recheck = heldBack ? Self.recheck(after: waited, limit: configuration.pollInterval) : nil
                    if handled == 0 && retried == 0 { break }
                    if !full && retried == 0 && rings.count == ringsBefore { break }
                } catch is CancellationError {
                    return
                } catch {
                    errors += 1
                    logger.warning("Consumer batch failed; retrying", metadata: ["error": "\(error)"])
                    try? await Task.sleep(for: configuration.retryBackoff.delay(attempt: min(errors, 5)) / 10)
                }
            }
        }
    }

    /// How long a worker whose claim was held back waits before it claims again: 20 ms, or twice
    /// the `previous` wait that found nothing, at most `limit`.
    static func recheck(after previous: Duration?, limit: Duration) -> Duration {
        min(previous.map { $0 * 2 } ?? .milliseconds(20), max(limit, .milliseconds(20)))
    }

    /// Claims free slots, handles their next events, and moves the slots on; returns how many
    /// events it read, whether the claim took as much as it could (more may wait), and whether
    /// its bounds held back what a transaction still running may be followed by. A handler
    /// failure rolls the batch back and replays it event by event, each in a savepoint, holding
    /// the failing ones.
    func handleBatch() async throws -> (read: Int, full: Bool, heldBack: Bool) {
        let outcome: BatchOutcome
        do {
            outcome = try await database.withTransaction(settings: configuration.transactionSettings + ConsumerStore.claimSettings) {
                try await batch(on: $0, isolateFailures: false)
            }
        } catch is HandlerFailed {
            outcome = try await database.withTransaction(settings: configuration.transactionSettings + ConsumerStore.claimSettings) {
                try await batch(on: $0, isolateFailures: true)
            }
        }
        recordDelays(outcome.handled)
        return (outcome.read, outcome.full, outcome.heldBack)
    }

    private struct HandlerFailed: Error {}

    /// What a batch read, and when each event it applied was published.
    private struct BatchOutcome {
        var read = 0
        var full = false
        var heldBack = false
        var handled: [Date] = []
    }

    /// `bus_event_delay_seconds` (dimension `consumer`): from an event's publication to the commit
    /// of the batch that applied it, for each event applied. What a write takes to show in the
    /// consumer's tables, waiting included (the handler's own time is `bus_handler_duration_seconds`).
    private func recordDelays(_ published: [Date]) {
        guard !published.isEmpty else { return }
        let timer = Metrics.Timer(label: "bus_event_delay_seconds", dimensions: [("consumer", configuration.name)], factory: metrics)
        let now = Date.now
        for date in published { timer.recordNanoseconds(Int64(max(0, now.timeIntervalSince(date)) * 1e9)) }
    }

    private func batch(on connection: PostgresConnection, isolateFailures: Bool) async throws -> BatchOutcome {
        guard let bounds = try await store.claimBounds(on: connection) else { return BatchOutcome() }
        let claim = try await store.claim(slots: configuration.slotsPerBatch, perSlot: configuration.eventsPerSlot, within: bounds, on: connection)
        guard !claim.events.isEmpty else { return BatchOutcome(heldBack: bounds.heldBack) }
        try await store.endClaim(on: connection)
        // The new positions first (the claim holds their rows already), so that the handler's
        // statements are the last before the commit: the rows they lock (a shared aggregate's)
        // are held by this transaction for as short a time as it can.
        try await store.advance(claim.positions, on: connection)
        var handled: [Date] = []
        var blocked = claim.blockedKeys
        let topics = Set(configuration.topics)
        // A batch handler gets the batch's events at once, unless a failure is being isolated.
        let batchHandler = isolateFailures ? nil : handler as? any BatchEventHandler
        var batched: [EventEnvelope] = []
        for event in claim.events {
            let slot = event.slot
            guard topics.contains(event.topic) else { continue }
            if blocked.contains(event.key) {
                try await store.hold(event, slot: slot, attempts: 0, error: nil, retryAt: .now, on: connection)
                continue
            }
            if batchHandler != nil {
                batched.append(event)
                continue
            }
            guard isolateFailures else {
                do {
                    try await timed(type: event.type) { try await handler.handle(event, in: connection) }
                } catch is CancellationError {
                    throw CancellationError()
                } catch {
                    throw HandlerFailed()
                }
                handled.append(event.publishedAt)
                continue
            }
            do {
                try await connection.withSavepoint { connection in
                    try await timed(type: event.type) { try await handler.handle(event, in: connection) }
                }
                handled.append(event.publishedAt)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                blocked.insert(event.key)
                let retryAt = Date.now.addingTimeInterval(configuration.retryBackoff.delay(attempt: 0).inSeconds)
                try await store.hold(event, slot: slot, attempts: 1, error: Self.describe(error), retryAt: retryAt, on: connection)
                logger.warning("Event held after a handler failure", metadata: ["bus.event.id": "\(event.id)", "bus.event.type": "\(event.type)"])
            }
        }
        if let batchHandler, !batched.isEmpty {
            do {
                try await timed(type: "batch") { try await batchHandler.handle(batch: batched, in: connection) }
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                throw HandlerFailed()
            }
            handled += batched.map(\.publishedAt)
        }
        return BatchOutcome(
            read: claim.events.count, full: claim.isFull(slots: configuration.slotsPerBatch, perSlot: configuration.eventsPerSlot),
            heldBack: bounds.heldBack, handled: handled)
    }

    /// Retries held events that are due, each the earliest of its key; returns how many it tried.
    func retryHeldEvents() async throws -> Int {
        try await database.withTransaction(settings: configuration.transactionSettings) { connection in
            let due = try await store.dueHeldEvents(limit: 50, on: connection)
            for held in due {
                do {
                    try await connection.withSavepoint { connection in
                        try await timed(type: held.event.type) { try await handler.handle(held.event, in: connection) }
                    }
                    try await store.release(held.event, on: connection)
                } catch is CancellationError {
                    throw CancellationError()
                } catch {
                    let attempts = held.attempts + 1
                    let dead = attempts >= configuration.maxAttempts
                    let retryAt = dead ? nil : Date.now.addingTimeInterval(configuration.retryBackoff.delay(attempt: attempts - 1).inSeconds)
                    try await store.recordFailure(held.event, attempts: attempts, error: Self.describe(error), retryAt: retryAt, on: connection)
                    if dead {
                        logger.error(
                            "Event parked as dead",
                            metadata: ["bus.event.id": "\(held.event.id)", "bus.event.type": "\(held.event.type)", "bus.attempts": "\(attempts)"])
                    }
                }
            }
            return due.count
        }
    }

    /// Runs the handler, recording its duration as `bus_handler_duration_seconds{consumer,type}`
    /// (the event's type, or `batch` for a batch handler's whole batch).
    private func timed(type: String, _ body: () async throws -> Void) async throws {
        let start = ContinuousClock.now
        defer {
            let elapsed = ContinuousClock.now - start
            Metrics.Timer(
                label: "bus_handler_duration_seconds", dimensions: [("consumer", configuration.name), ("type", type)], factory: metrics
            )
            .recordNanoseconds(elapsed.inNanoseconds)
        }
        try await body()
    }

    /// An error as stored with a held event: its type and description, never the payload.
    static func describe(_ error: any Error) -> String {
        String("\(type(of: error)): \(error)".prefix(1000))
    }

}

/// When a worker looks for held events due for a retry: whenever a batch found nothing, and
/// between busy batches at most every `interval` (a look is a transaction of its own; held events
/// wait seconds for their retry, so a tenth of a second more under load changes little).
struct RetryTurn {
    static let interval = Duration.milliseconds(100)
    private var last = ContinuousClock.now

    mutating func due(afterHandling handled: Int) -> Bool {
        let now = ContinuousClock.now
        guard handled == 0 || now - last >= Self.interval else { return false }
        last = now
        return true
    }
}

/// How many times the workers were rung (notifications, reconnects, polls): a worker compares it
/// before and after a batch to know whether something arrived meanwhile.
final class RingCount: Sendable {
    private let value = Atomic<Int>(0)

    var count: Int { value.load(ordering: .acquiring) }

    func add() { value.add(1, ordering: .releasing) }
}

/// Wakes one worker. Rings coalesce: a worker that was busy finds at most one ring waiting.
final class Doorbell: Sendable {
    private struct State {
        var rung = true
        var closed = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    /// Wakes one waiting worker of `doorbells` for a new event, or, when none waits, rings them
    /// all (a busy worker looks again after its batch; one about to wait finds the ring). Ringing
    /// every waiting worker for each event had each of them claim, all but one finding nothing.
    static func ringOne(of doorbells: [Doorbell]) {
        if let waiting = doorbells.first(where: \.isWaiting) { waiting.ring() } else { doorbells.forEach { $0.ring() } }
    }

    /// Whether a worker waits for this doorbell now.
    var isWaiting: Bool { state.withLock { $0.waiter != nil } }

    func ring() {
        state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.rung = true
            defer { state.waiter = nil }
            return state.waiter
        }?.resume()
    }

    func close() {
        state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.closed = true
            defer { state.waiter = nil }
            return state.waiter
        }?.resume()
    }

    /// Waits for a ring, at most `timeout` when given; false once closed or cancelled.
    func wait(timeout: Duration?) async -> Bool {
        if consume() { return true }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.waitForRing() }
            if let timeout { group.addTask { try? await Task.sleep(for: timeout) } }
            await group.next()
            group.cancelAll()
        }
        if Task.isCancelled { return false }
        _ = consume()
        return !state.withLock { $0.closed }
    }

    private func consume() -> Bool {
        state.withLock { state in
            guard state.rung, !state.closed else { return false }
            state.rung = false
            return true
        }
    }

    private func waitForRing() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.rung || state.closed || Task.isCancelled { return true }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            state.withLock { state -> CheckedContinuation<Void, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }?.resume()
        }
    }
}
