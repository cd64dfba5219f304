import Hummingbird
import Metrics
import Postgres
import Prometheus

/// `GET /metrics`: everything the service reports through swift-metrics (HTTP requests, event-bus
/// consumers' lag and dead events, handler durations), plus the database pool's connections, in
/// the Prometheus text format. Unauthenticated like `/healthz`: it carries counts, never personal
/// data; keep it on the internal network.
enum MetricsRoutes {
    static func add(to router: Router<AppRequestContext>, registry: PrometheusCollectorRegistry, database: PostgresClient) {
        let open = registry.makeGauge(name: "db_pool_connections_open", labels: [])
        let idle = registry.makeGauge(name: "db_pool_connections_idle", labels: [])
        let waiting = registry.makeGauge(name: "db_pool_waiters", labels: [])
        router.get("metrics") { _, _ -> Response in
            let statistics = database.statistics
            open.set(Double(statistics.open))
            idle.set(Double(statistics.idle))
            waiting.set(Double(statistics.waiting))
            var buffer: [UInt8] = []
            buffer.reserveCapacity(16 << 10)
            registry.emit(into: &buffer)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
        }
    }
}
