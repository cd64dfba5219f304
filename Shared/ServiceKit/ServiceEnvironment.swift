import Access
import Audit
import EventBus
import Logging
import Postgres
import Prometheus

/// What a service's routes and background work get to use.
public struct ServiceEnvironment: Sendable {
    public let database: PostgresClient
    /// Reads that may lag a little: the hot standby of `DATABASE_READ_URL`, or `database`.
    public let reads: ReadDatabase
    public let readiness: Readiness
    public let logger: Logger
    public let configuration: ServiceConfiguration
    /// Resolves bearer tokens and API keys (cached; see `IdentityResolver`).
    public let identities: IdentityResolver
    /// Records reads in the audit trail (writes append in their own transaction).
    public let audit: AuditLog
    /// What `GET /metrics` shows: the process-wide registry behind swift-metrics in a served
    /// process, a private one otherwise (tests).
    public let metrics: PrometheusCollectorRegistry
    /// Wakes the bus's consumers after this service's publishing transactions commit; run by the
    /// application beside the pool (`ServiceCommand.makeApplication`).
    public let busNotifier: BusNotifier
}
