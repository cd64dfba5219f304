import Logging
import Postgres
import Synchronization

/// Whether a service can do its work: the database answers and its migrations are applied.
public final class Readiness: Sendable {
    private let migrated = Atomic<Bool>(false)
    private let database: PostgresClient

    public init(database: PostgresClient) { self.database = database }

    /// Called once the migrations have been applied.
    public func markMigrated() { migrated.store(true, ordering: .releasing) }

    public var isMigrated: Bool { migrated.load(ordering: .acquiring) }

    /// What is wrong, or nil when ready. Checks the database with a short round trip.
    public func problem() async -> String? {
        guard isMigrated else { return "migrations are not applied yet (is the database reachable?)" }
        do {
            try await database.query("SELECT 1")
            return nil
        } catch {
            return "the database does not answer (\(error))"
        }
    }
}
