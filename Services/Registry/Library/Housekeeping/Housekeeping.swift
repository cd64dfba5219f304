import Logging
import Postgres
import ServiceKit
import ServiceLifecycle

/// Keeps the registry's short-lived rows from piling up, every `interval`: sessions that ended
/// (expired or revoked) more than `keep` ago, login-throttle counters idle for a day, and
/// idempotency keys older than `keep` (a retry comes within minutes, not days). The audit trail
/// keeps the record of every sign-in and sign-out; these rows only serve live tokens.
struct Housekeeping: Service {
    let database: PostgresClient
    let readiness: Readiness
    let logger: Logger
    var interval: Duration = .seconds(3600)
    var keep: Duration = .seconds(7 * 86_400)

    struct Swept: Equatable {
        var sessions = 0
        var throttles = 0
        var idempotencyKeys = 0
    }

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            try await readiness.waitUntilMigrated()
            while !Task.isCancelled {
                do {
                    let swept = try await sweep()
                    if swept != Swept() {
                        logger.info(
                            "Housekeeping",
                            metadata: [
                                "registry.sessions.removed": "\(swept.sessions)", "registry.throttles.removed": "\(swept.throttles)",
                                "registry.idempotency_keys.removed": "\(swept.idempotencyKeys)",
                            ])
                    }
                } catch {
                    logger.warning("Housekeeping failed; retrying later", metadata: ["error": "\(error)"])
                }
                try await Task.sleep(for: interval)
            }
        }
    }

    /// Deletes what has served its time; returns how many rows of each kind.
    func sweep() async throws -> Swept {
        let seconds = keep.inSeconds
        var swept = Swept()
        swept.sessions = try await database.query(
            """
            DELETE FROM registry.sessions
            WHERE coalesce(revoked_at, expires_at) < now() - make_interval(secs => \(seconds))
            """
        ).affectedRows
        swept.throttles = try await database.query(
            """
            DELETE FROM registry.login_throttle
            WHERE last_failure_at < now() - interval '1 day' AND (blocked_until IS NULL OR blocked_until < now())
            """
        ).affectedRows
        swept.idempotencyKeys = try await database.query(
            """
            DELETE FROM registry.idempotency_keys WHERE created_at < now() - make_interval(secs => \(seconds))
            """
        ).affectedRows
        return swept
    }
}
