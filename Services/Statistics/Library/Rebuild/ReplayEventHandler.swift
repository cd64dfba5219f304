import EventBus
import Logging
import Postgres

/// A rebuild's replay of the log into the fresh counting tables, without aggregates (they are
/// counted for everyone at once after): a batch of events is decoded and written in a few
/// statements (`CountingWrites`), with the same effect as `CountingEventHandler` applying each
/// in turn with `tallying` off.
struct ReplayEventHandler: BatchEventHandler {
    let logger: Logger
    var tables = CountingTables.rebuild

    /// The replaying consumer's transactions (`ConsumerConfiguration.transactionSettings`, sent
    /// with `BEGIN`): the fresh tables grow from nothing and their statistics are missing or stale
    /// (autovacuum's first analysis sees a fraction of the rows), so every statement is planned
    /// for its arrays, joins a batch's rows to a table only through the table's keys (nested
    /// loops, no hash or merge joins) and is not compiled (JIT). Misjudging how many rows a person
    /// has, the planner would otherwise scan a whole table for every batch, or spend tens of
    /// milliseconds compiling a statement that runs in a few (the statuses of a national log: most
    /// of the replay's time).
    static let transactionSettings: [TransactionSetting] = [
        TransactionSetting("plan_cache_mode", "force_custom_plan"), TransactionSetting("enable_hashjoin", "off"),
        TransactionSetting("enable_mergejoin", "off"), TransactionSetting("jit", "off"),
    ]

    func handle(_ event: EventEnvelope, in transaction: PostgresConnection) async throws {
        try await CountingEventHandler(logger: logger, tables: tables, tallying: false).handle(event, in: transaction)
    }

    func handle(batch events: [EventEnvelope], in transaction: PostgresConnection) async throws {
        try await CountingWrites(connection: transaction, tables: tables).apply(events.compactMap { try CountingChange($0) })
    }
}
