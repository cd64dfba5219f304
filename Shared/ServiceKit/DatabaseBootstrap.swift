import Logging
import Migrations
import Postgres
import ServiceLifecycle

/// Applies the service's migrations at start-up, retrying with backoff while the database
/// cannot be reached (and logging why), then marks the service ready and waits for shutdown.
///
/// A migration that cannot be applied for another reason (a changed migration, a failing
/// script) is not retried: the error ends the service group, so the process exits with it.
struct DatabaseBootstrap: Service {
    let migrator: Migrator
    let database: PostgresClient
    let readiness: Readiness
    let logger: Logger
    var backoff = Backoff(initial: .milliseconds(250), maximum: .seconds(15))

    func run() async throws {
        var attempt = 0
        while true {
            do {
                let report = try await migrator.migrate(database)
                readiness.markMigrated()
                logger.info(
                    "Database ready",
                    metadata: ["migration.applied": "\(report.applied.count)", "migration.previously": "\(report.alreadyApplied)"])
                break
            } catch let error as PostgresError where error.isConnectionError || error.code == .poolTimeout {
                let delay = backoff.delay(attempt: attempt)
                attempt += 1
                logger.warning(
                    "Database unreachable; retrying",
                    metadata: ["postgres.reason": "\(error.message ?? "\(error)")", "retry.in_ms": "\(delay.inMilliseconds)"])
                do {
                    try await cancelWhenGracefulShutdown { try await Task.sleep(for: delay) }
                } catch {
                    return
                }
            }
        }
        try? await gracefulShutdown()
    }
}
