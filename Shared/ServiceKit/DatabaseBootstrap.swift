import Logging
import Migrations
import Postgres
import ServiceLifecycle

/// Applies the service's migrations at start-up, retrying with backoff while the database
/// cannot be reached (and logging why), then marks the service ready and waits for shutdown.
///
/// Retries too while the service's schema is missing (the database exists but `setup.sql` has not
/// run in it yet). A migration that cannot be applied for another reason (a changed migration, a
/// failing script) is not retried: the error ends the service group, so the process exits with it.
struct DatabaseBootstrap: Service {
    let migrator: Migrator
    let database: PostgresClient
    let readiness: Readiness
    let logger: Logger
    var backoff = Backoff(initial: .milliseconds(250), maximum: .seconds(15))

    func run() async throws {
        var attempt = 0
        while true {
            let reason: String
            do {
                let report = try await migrator.migrate(database)
                readiness.markMigrated()
                logger.info(
                    "Database ready",
                    metadata: ["migration.applied": "\(report.applied.count)", "migration.previously": "\(report.alreadyApplied)"])
                break
            } catch let error as PostgresError where error.isConnectionError || error.code == .poolTimeout {
                reason = error.message ?? "\(error)"
            } catch let error as MigrationError where error == .schemaMissing(migrator.schema) {
                // The database exists but deploy/sql/setup.sql has not run in it yet (or is running).
                reason = error.description
            }
            let delay = backoff.delay(attempt: attempt)
            attempt += 1
            logger.warning("Database unreachable; retrying", metadata: ["postgres.reason": "\(reason)", "retry.in_ms": "\(delay.inMilliseconds)"])
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: delay) }
            } catch {
                return
            }
        }
        try? await gracefulShutdown()
    }
}
