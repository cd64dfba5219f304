import Foundation
import Postgres
import Synchronization

/// Appends entries to `audit.entries`.
///
/// A write's entry goes in the write's own transaction (`append(_:on:)`): both commit or neither
/// does. Reads are recorded with `record(_:)`, which returns only once the entry is committed;
/// concurrent callers share one INSERT (group commit), so auditing every read costs one round
/// trip per batch rather than a transaction per request.
public final class AuditLog: Sendable {
    private let database: PostgresClient
    private let state = Mutex(State())
    /// Most entries one INSERT carries.
    private let batchLimit = 500

    private struct State {
        var pending: [(AuditEntry, Ticket)] = []
        var flushing = false
    }

    public init(database: PostgresClient) {
        self.database = database
    }

    /// Appends `entries` inside the caller's transaction on `connection`.
    public static func append(_ entries: [AuditEntry], on connection: PostgresConnection) async throws {
        guard !entries.isEmpty else { return }
        try await connection.query(insert(entries))
    }

    /// Appends one entry inside the caller's transaction on `connection`.
    public static func append(_ entry: AuditEntry, on connection: PostgresConnection) async throws {
        try await append([entry], on: connection)
    }

    /// Records `entry` in its own (shared) transaction and returns once it is committed.
    public func record(_ entry: AuditEntry) async throws {
        try await record([entry])
    }

    /// Records `entries` (a page of search results, say) in shared transactions and returns once
    /// all are committed: one round trip for the lot, not one per entry.
    public func record(_ entries: [AuditEntry]) async throws {
        guard !entries.isEmpty else { return }
        let tickets = entries.map { _ in Ticket() }
        let lead = state.withLock { state in
            state.pending.append(contentsOf: zip(entries, tickets))
            if state.flushing { return false }
            state.flushing = true
            return true
        }
        if lead { await flushOneBatch() }
        // Every ticket is waited for, even after a failure: one of them may be handed the lead,
        // and the entries queued behind it would wait for ever if nobody took it.
        var failure: (any Error)?
        for ticket in tickets {
            waiting: while true {
                switch await ticket.wait() {
                case .committed: break waiting
                case .failed(let error):
                    failure = failure ?? error
                    break waiting
                case .lead: await flushOneBatch()
                }
            }
        }
        if let failure { throw failure }
    }

    /// Writes one batch, settles its tickets, then hands the lead to the oldest waiter if more
    /// arrived meanwhile (so no caller keeps flushing for others indefinitely).
    private func flushOneBatch() async {
        let batch: [(AuditEntry, Ticket)] = state.withLock { state in
            let taken = Array(state.pending.prefix(batchLimit))
            state.pending.removeFirst(taken.count)
            return taken
        }
        var outcome = Ticket.Outcome.committed
        if !batch.isEmpty {
            do {
                try await database.query(Self.insert(batch.map(\.0)))
            } catch {
                outcome = .failed(error)
            }
        }
        let next: Ticket? = state.withLock { state in
            guard let first = state.pending.first else {
                state.flushing = false
                return nil
            }
            return first.1
        }
        for (_, ticket) in batch { ticket.settle(outcome) }
        next?.settle(.lead)
    }

    static func insert(_ entries: [AuditEntry]) throws -> PostgresQuery {
        let details = try entries.map { entry -> String in
            let data = try JSONSerialization.data(withJSONObject: entry.detail, options: [.sortedKeys])
            return String(decoding: data, as: UTF8.self)
        }
        return """
            INSERT INTO audit.entries
                (request_id, actor_kind, actor_id, actor_label, action, resource, resource_id, person_id, outcome, detail)
            SELECT * FROM unnest(
                \(entries.map(\.requestID))::text[], \(entries.map(\.actorKind.rawValue))::text[],
                \(entries.map(\.actorID))::uuid[], \(entries.map(\.actorLabel))::text[],
                \(entries.map(\.action))::text[], \(entries.map(\.resource))::text[],
                \(entries.map(\.resourceID))::text[], \(entries.map(\.personID))::uuid[],
                \(entries.map(\.outcome.rawValue))::text[], \(details)::jsonb[])
            """
    }
}

/// One caller's wait for its entry's batch; settled exactly once per wait.
final class Ticket: Sendable {
    enum Outcome: Sendable {
        case committed
        case failed(any Error)
        /// The caller must write the next batch.
        case lead
    }

    private struct State {
        var outcome: Outcome?
        var waiter: CheckedContinuation<Outcome, Never>?
    }

    private let state = Mutex(State())

    func settle(_ outcome: Outcome) {
        let waiter = state.withLock { state -> CheckedContinuation<Outcome, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.outcome = outcome
            return nil
        }
        waiter?.resume(returning: outcome)
    }

    func wait() async -> Outcome {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Outcome? in
                if let outcome = state.outcome {
                    state.outcome = nil
                    return outcome
                }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
