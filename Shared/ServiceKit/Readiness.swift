import Logging
import Postgres
import Synchronization

/// Whether a service can do its work: the database answers and its migrations are applied.
public final class Readiness: Sendable {
    private let migrated = Atomic<Bool>(false)
    private let holds = Mutex<[String]>([])
    private let database: PostgresClient

    public init(database: PostgresClient) { self.database = database }

    /// Called once the migrations have been applied.
    public func markMigrated() { migrated.store(true, ordering: .releasing) }

    public var isMigrated: Bool { migrated.load(ordering: .acquiring) }

    /// Keeps the service not ready, saying `reason`, until `release(reason)` (start-up work such
    /// as loading reference data).
    public func hold(_ reason: String) { holds.withLock { $0.append(reason) } }

    public func release(_ reason: String) { holds.withLock { $0.removeAll { $0 == reason } } }

    /// Waits until the migrations are applied (checked every 50 ms), or the task is cancelled.
    public func waitUntilMigrated() async throws {
        while !isMigrated { try await Task.sleep(for: .milliseconds(50)) }
    }

    /// What is wrong, or nil when ready. Checks the database with a short round trip.
    public func problem() async -> String? {
        guard isMigrated else { return "migrations are not applied yet (is the database reachable?)" }
        if let hold = holds.withLock({ $0.first }) { return hold }
        do {
            try await database.query("SELECT 1")
            return nil
        } catch {
            return "the database does not answer (\(error))"
        }
    }
}
