import Logging
import Postgres
import ServiceLifecycle

/// Keeps the event log's partitions ahead of its transactions: calls `bus.extend_partitions`
/// (deploy/sql/setup.sql) at start, then every `interval` (a minute: a call with nothing to make
/// reads two rows), and after a failure (the database down, a lock not granted) every
/// `retryInterval`. Every service runs one; the database
/// serialises them. Without it events still land, in the log's default partition.
///
/// A lifecycle `Service` that stops at graceful shutdown.
public struct BusPartitioner: Service {
    let administration: BusAdministration
    let logger: Logger
    let interval: Duration
    let retryInterval: Duration

    public init(database: PostgresClient, logger: Logger, interval: Duration = .seconds(60), retryInterval: Duration = .seconds(30)) {
        self.administration = BusAdministration(database: database)
        self.logger = logger
        self.interval = interval
        self.retryInterval = retryInterval
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                var wait = interval
                do {
                    let created = try await administration.extendPartitions()
                    if created > 0 { logger.info("Event log partitions created", metadata: ["bus.partitions.created": "\(created)"]) }
                } catch {
                    logger.warning("Event log partitions not extended; retrying", metadata: ["error": "\(error)"])
                    wait = retryInterval
                }
                try await Task.sleep(for: wait)
            }
        }
    }
}
