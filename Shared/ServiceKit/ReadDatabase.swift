import Logging
import Postgres
import ServiceLifecycle
import Synchronization

/// Where reads that may lag a little go: a hot standby of the primary (`DATABASE_READ_URL`)
/// when one is configured, else the primary itself. A read that cannot get a connection from the
/// standby (it is down, or refuses) runs on the primary instead, and the primary takes every
/// read for `avoidance` afterwards before the standby is tried again: a standby outage fails no
/// read, and only the read that finds it down waits for the connection attempt (at most
/// `DATABASE_CONNECT_TIMEOUT_S`; at once when the connection is refused). What a read sees on the standby is the primary's state as of the
/// standby's replay (usually well under a second behind); writes, `LISTEN` and the bus's
/// consumers stay on the primary.
/// As a lifecycle `Service`, `run()` keeps the standby's pool until graceful shutdown.
public final class ReadDatabase: Service, Sendable {
    public let primary: PostgresClient
    /// The standby's pool; nil when reads go to the primary.
    public let standby: PostgresClient?
    private let avoidance: Duration
    private let avoidedUntil = Mutex<ContinuousClock.Instant?>(nil)
    private let logger: Logger

    public init(primary: PostgresClient, standby: PostgresClient?, avoidance: Duration = .seconds(10), logger: Logger) {
        self.primary = primary
        self.standby = standby
        self.avoidance = avoidance
        self.logger = logger
    }

    /// Keeps the standby's pool until graceful shutdown (without one, just waits for it: a
    /// service that returned early would stop the whole service group).
    public func run() async throws {
        guard let standby else {
            try? await gracefulShutdown()
            return
        }
        try await standby.run()
    }

    /// Lends `body` a connection to the standby, or to the primary (see the type), with the pool
    /// it came from (for helpers that must read from the same server, such as an imported snapshot).
    public func withConnection<T>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection, PostgresClient) async throws -> sending T
    ) async throws -> sending T {
        if let standby = usableStandby {
            var started = false
            do {
                return try await standby.withConnection { connection in
                    started = true
                    return try await body(connection, standby)
                }
            } catch  where !started && !(error is CancellationError) {
                avoidStandby(after: error)
            }
        }
        return try await primary.withConnection { try await body($0, primary) }
    }

    /// Runs `body` in a read-only transaction of `level` on the standby, or on the primary (see
    /// the type), with the pool its connection came from.
    public func withTransaction<T>(
        isolation level: TransactionIsolation = .repeatableRead,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection, PostgresClient) async throws -> sending T
    ) async throws -> sending T {
        try await withConnection { connection, pool in
            try await connection.withTransaction(isolation: level, readOnly: true) { try await body($0, pool) }
        }
    }

    /// The standby, unless there is none or it failed within `avoidance`.
    private var usableStandby: PostgresClient? {
        guard let standby else { return nil }
        let avoided = avoidedUntil.withLock { until -> Bool in
            guard let deadline = until else { return false }
            if ContinuousClock.now < deadline { return true }
            until = nil
            return false
        }
        return avoided ? nil : standby
    }

    private func avoidStandby(after error: any Error) {
        let first = avoidedUntil.withLock { until -> Bool in
            defer { until = ContinuousClock.now + avoidance }
            return until == nil
        }
        if first {
            logger.warning(
                "The read standby does not answer: reads go to the primary",
                metadata: ["error": "\(error)", "retry_after_s": "\(avoidance.components.seconds)"])
        }
    }
}
