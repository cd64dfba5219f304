import Postgres

/// A handler that can apply a whole batch in a few statements (a rebuild replaying millions of
/// events), with the same effect as `handle(_:in:)` on each event in turn.
///
/// The consumer calls `handle(batch:in:)` with a batch's events in their log order (per key: the
/// order between keys is the slots'). If it throws, the batch rolls back and is replayed event by
/// event through `handle(_:in:)`, each in a savepoint, so that only the failing event is held.
public protocol BatchEventHandler: EventHandler {
    func handle(batch events: [EventEnvelope], in transaction: PostgresConnection) async throws
}
