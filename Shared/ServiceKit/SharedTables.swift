import Logging
import Postgres
import ServiceLifecycle

/// Keeps `/readyz` failing until the tables this service reads from other services exist and are
/// readable by its role (the whole table or some of its columns) (another service's migrations create and grant them), so that a first
/// start of the whole system never answers requests that would fail on a missing table.
/// Checks every second; stops on graceful shutdown.
public struct SharedTables: Service {
    let tables: [String]
    let readiness: Readiness
    let database: PostgresClient
    let logger: Logger

    /// `tables` as `schema.table`; the hold is placed at once.
    public init(_ tables: [String], readiness: Readiness, database: PostgresClient, logger: Logger) {
        self.tables = tables
        self.readiness = readiness
        self.database = database
        self.logger = logger
        readiness.hold(reason)
    }

    var reason: String { "waiting for \(tables.joined(separator: ", ")) (created by another service's migrations)" }

    public func run() async throws {
        var logged = false
        while !Task.isCancelled {
            do {
                let rows = try await database.query(
                    """
                    SELECT count(*) FROM unnest(\(tables)::text[]) AS t(name)
                    WHERE to_regclass(t.name) IS NOT NULL AND has_any_column_privilege(t.name, 'SELECT')
                    """)
                if try rows[0].decode(Int.self, at: 0) == tables.count {
                    readiness.release(reason)
                    // A service group's services run until shutdown.
                    try? await gracefulShutdown()
                    return
                }
                if !logged {
                    logger.info("Not ready until another service has created what this one reads", metadata: ["tables": "\(tables)"])
                    logged = true
                }
            } catch {
                logger.debug("Cannot check the shared tables yet", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
            if Task.isShuttingDownGracefully { return }
        }
    }
}
