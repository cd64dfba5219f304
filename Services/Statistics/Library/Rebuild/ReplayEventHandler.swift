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

    func handle(_ event: EventEnvelope, in transaction: PostgresConnection) async throws {
        try await CountingEventHandler(logger: logger, tables: tables, tallying: false).handle(event, in: transaction)
    }

    func handle(batch events: [EventEnvelope], in transaction: PostgresConnection) async throws {
        let writes = CountingWrites(connection: transaction, tables: tables)
        try await writes.planEachStatement()
        try await writes.joinThroughKeys()
        try await writes.apply(events.compactMap { try CountingChange($0) })
    }
}
