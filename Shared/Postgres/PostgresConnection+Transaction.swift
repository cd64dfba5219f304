/// Isolation levels for `withTransaction`.
public enum TransactionIsolation: String, Sendable {
    case readCommitted = "READ COMMITTED"
    case repeatableRead = "REPEATABLE READ"
    case serializable = "SERIALIZABLE"
}

extension PostgresConnection {
    /// Runs `body` inside `BEGIN … COMMIT`. A thrown error or the task's cancellation rolls
    /// everything back and is rethrown; nothing of `body` is committed then. `settings` are set
    /// for the transaction only (`SET LOCAL`), in the round trip of its `BEGIN`.
    @discardableResult
    public func withTransaction<T>(
        isolation level: TransactionIsolation = .readCommitted,
        readOnly: Bool = false,
        settings: [TransactionSetting] = [],
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection) async throws -> sending T
    ) async throws -> sending T {
        let mode = readOnly ? " READ ONLY" : ""
        let begin = "BEGIN ISOLATION LEVEL \(level.rawValue)\(mode)"
        if settings.isEmpty {
            try await query(PostgresQuery(unsafeSQL: begin))
        } else {
            try await execute(script: ([begin] + settings.map(\.statement)).joined(separator: "; "))
        }
        let value: T
        do {
            value = try await body(self)
            try Task.checkCancellation()
            try await query("COMMIT")
        } catch {
            _ = try? await queryIgnoringCancellation("ROLLBACK")
            throw error
        }
        return value
    }

    /// Runs `body` inside a savepoint of the current transaction: a thrown error rolls back only
    /// what `body` did, and is rethrown.
    @discardableResult
    public func withSavepoint<T>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection) async throws -> sending T
    ) async throws -> sending T {
        let name = PostgresQuery.quoteIdentifier("sp_\(UInt32.random(in: 0...UInt32.max))")
        try await query(PostgresQuery(unsafeSQL: "SAVEPOINT \(name)"))
        let value: T
        do {
            value = try await body(self)
            try await query(PostgresQuery(unsafeSQL: "RELEASE SAVEPOINT \(name)"))
        } catch {
            _ = try? await queryIgnoringCancellation(PostgresQuery(unsafeSQL: "ROLLBACK TO SAVEPOINT \(name)"))
            throw error
        }
        return value
    }
}
