import Foundation
import Logging
import Postgres
import ServiceLifecycle

/// At start (after the migrations), rebuilds the counting tables while the service serves if a
/// migration asked for it in `statistics.pending_rebuilds`, then forgets the request. A rebuild
/// that fails is logged and tried again at the next start.
struct PendingRebuild: Service {
    let database: PostgresClient
    let logger: Logger

    func run() async throws {
        do {
            let reasons = try await database.withConnection { connection in
                try await connection.query("SELECT reason FROM statistics.pending_rebuilds ORDER BY requested_at").map {
                    try $0.decode(String.self, at: 0)
                }
            }
            if !reasons.isEmpty {
                logger.notice("Rebuilding the counting tables", metadata: ["reasons": "\(reasons.joined(separator: "; "))"])
                let report = try await cancelWhenGracefulShutdown { try await CountingRebuild(database: database, logger: logger).run() }
                try await database.withConnection { try await $0.query("DELETE FROM statistics.pending_rebuilds WHERE reason = ANY(\(reasons))") }
                logger.notice("Counting tables rebuilt", metadata: ["report": "\(report)"])
            }
        } catch is CancellationError {
        } catch {
            logger.error("The pending rebuild failed; it is tried again at the next start", metadata: ["error": "\(error)"])
        }
        try? await gracefulShutdown()
    }
}
