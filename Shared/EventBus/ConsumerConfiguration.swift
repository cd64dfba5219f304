import Postgres

/// How a consumer reads the bus.
public struct ConsumerConfiguration: Sendable {
    /// Where a consumer seen for the first time starts.
    public enum Start: Sendable {
        /// The oldest event still in the log (to rebuild state from scratch).
        case beginning
        /// Events published from now on.
        case now
    }

    /// `service.purpose` (`statistics.indicators`); the service prefix must be the connecting role.
    public var name: String
    public var topics: [String]
    public var start: Start
    /// Concurrent workers in this process; replicas add theirs. Each takes a share of the slots.
    public var workers: Int
    /// Slots one worker locks per batch, and events read per slot per batch.
    public var slotsPerBatch: Int
    public var eventsPerSlot: Int
    /// Attempts before a failing event is parked as dead.
    public var maxAttempts: Int
    public var retryBackoff: Backoff
    /// The backstop: how often workers look for work without a notification.
    public var pollInterval: Duration
    /// How long a woken worker waits before it claims, so that what is published meanwhile comes
    /// in the same batch: under a steady stream each event otherwise costs every consumer of its
    /// topic a claim of its own (by hand, at 200 events a second, a fifth of a core for a consumer
    /// whose handler ignores the events). Zero for a consumer whose readers wait on it.
    public var gatherDelay: Duration
    /// How often the consumer's lag and held events are reported as metrics.
    public var metricsInterval: Duration
    /// Settings of each batch's transaction, sent with its `BEGIN`. `.commitWithoutWaitingForDisk`
    /// suits a handler whose effects are all in that transaction: a commit lost in a crash loses
    /// the position with them, and the events are applied again from the log.
    public var transactionSettings: [TransactionSetting]

    public init(
        name: String, topics: [String], start: Start = .beginning, workers: Int = 1, slotsPerBatch: Int = 16,
        eventsPerSlot: Int = 200, maxAttempts: Int = 8,
        retryBackoff: Backoff = Backoff(initial: .seconds(1), maximum: .seconds(600)),
        pollInterval: Duration = .seconds(2), gatherDelay: Duration = .zero, metricsInterval: Duration = .seconds(15),
        transactionSettings: [TransactionSetting] = []
    ) {
        self.name = name
        self.topics = topics
        self.start = start
        self.workers = workers
        self.slotsPerBatch = slotsPerBatch
        self.eventsPerSlot = eventsPerSlot
        self.maxAttempts = maxAttempts
        self.retryBackoff = retryBackoff
        self.pollInterval = pollInterval
        self.gatherDelay = gatherDelay
        self.metricsInterval = metricsInterval
        self.transactionSettings = transactionSettings
    }

    /// A `gatherDelay` for a consumer whose effects no one waits on within a tenth of a second
    /// (another service's copy of a status, a case opened from an episode).
    public static let unhurriedGatherDelay: Duration = .milliseconds(100)
}

/// Applies events to a service's own tables.
public protocol EventHandler: Sendable {
    /// Handles one event inside `transaction`, which also advances the consumer's position:
    /// commit and position move together, so a crash anywhere means the event is handled again
    /// from scratch, never half-applied and never twice. Throw to have it retried later.
    func handle(_ event: EventEnvelope, in transaction: PostgresConnection) async throws
}
