import EventBus
import Foundation
import Logging
import Postgres
import Synchronization

// Measures the event bus on a database set up by deploy/sql/setup.sql, as the registry role:
//
//   bus-benchmark publish    --url URL --seconds S --connections N   single-event transactions
//   bus-benchmark throughput --url URL --admin-url URL --events E --consumers C [--hold read|write]
//   bus-benchmark latency    --url URL --rate R --seconds S
//   bus-benchmark stall      --url URL --events E --seconds S   (a write transaction held open S seconds)
//
// Each prints one line `bus <mode> key=value ...` that Benchmarks/bus.sh collects.

let catalogue = EventCatalogue([
    EventDefinition(
        type: "registry.bench.tick", version: 1, topic: "registry.bench", summary: "A benchmark event.",
        fields: [.init("subject", .string), .init("sent_at", .number)])
])

struct Tick: BusEvent {
    static let type = "registry.bench.tick"
    static let version = 1
    let subject: String
    let sent_at: Double
    var key: String { subject }
}

struct Options {
    var values: [String: String] = [:]
    init(_ arguments: ArraySlice<String>) {
        var iterator = arguments.makeIterator()
        while let name = iterator.next() {
            guard name.hasPrefix("--"), let value = iterator.next() else { fail("bad argument \(name)") }
            values[String(name.dropFirst(2))] = value
        }
    }
    func string(_ name: String) -> String { values[name] ?? { fail("--\(name) is required") }() }
    func int(_ name: String, _ fallback: Int) -> Int { values[name].flatMap(Int.init) ?? fallback }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("bus-benchmark: \(message)\n".utf8))
    exit(64)
}

let logger: Logger = {
    var logger = Logger(label: "bus-benchmark")
    logger.logLevel = .warning
    return logger
}()
let mode = CommandLine.arguments.dropFirst().first ?? ""
let options = Options(CommandLine.arguments.dropFirst(2))
let configuration = PostgresConfiguration(
    connectionString: options.string("url"), applicationName: "bus-benchmark", statementTimeout: nil, poolSize: 16)
/// Wakes consumers after each publishing commit; runs beside the measurement (below).
let notifier = BusNotifier(database: PostgresClient(configuration: configuration, logger: logger), logger: logger)
let publisher = EventPublisher(catalogue: catalogue, producer: "registry", notifier: notifier)

/// Publishes single-statement transactions of one event each on `connections` tasks for `duration`; returns events/s.
func publishRate(connections: Int, duration: Duration, client: PostgresClient) async throws -> Double {
    let deadline = ContinuousClock.now + duration
    let start = ContinuousClock.now
    let total = try await withThrowingTaskGroup(of: Int.self) { group in
        for task in 0..<connections {
            group.addTask(executorPreference: client.executors[task % client.executors.count]) {
                var count = 0
                // Each publish is its own single-statement transaction, like pgbench's plain INSERT.
                while ContinuousClock.now < deadline {
                    try await client.withConnection { connection in
                        try await publisher.publish(Tick(subject: "s\(count % 1000)", sent_at: Date.now.timeIntervalSince1970), on: connection)
                    }
                    count += 1
                }
                return count
            }
        }
        var sum = 0
        for try await count in group { sum += count }
        return sum
    }
    return Double(total) / (ContinuousClock.now - start).inSeconds
}

/// Counts what it handles; the benchmark measures the bus, not a handler.
final class CountingHandler: EventHandler {
    let count = Atomic<Int>(0)
    let latencies = Mutex<[Double]>([])
    let recordLatency: Bool
    init(recordLatency: Bool = false) { self.recordLatency = recordLatency }
    func handle(_ event: EventEnvelope, in transaction: PostgresConnection) async throws {
        if recordLatency, let tick = try? event.decode(Tick.self) {
            let latency = Date.now.timeIntervalSince1970 - tick.sent_at
            latencies.withLock { $0.append(latency) }
        }
        count.add(1, ordering: .relaxed)
    }
}

func consumer(_ name: String, _ handler: CountingHandler, _ client: PostgresClient) -> BusConsumer {
    BusConsumer(
        configuration: ConsumerConfiguration(
            name: name, topics: ["registry.bench"], workers: 2, slotsPerBatch: 16, eventsPerSlot: 250,
            pollInterval: .milliseconds(200)),
        handler: handler, database: client, logger: logger)
}

let client = PostgresClient(configuration: configuration, logger: logger)
try await withThrowingTaskGroup(of: Void.self) { group in
    group.addTask { try await notifier.run() }
    switch mode {
    case "publish":
        let rate = try await publishRate(connections: options.int("connections", 1), duration: .seconds(options.int("seconds", 10)), client: client)
        print("bus publish connections=\(options.int("connections", 1)) rate=\(String(format: "%.1f", rate))")

    case "throughput":
        let events = options.int("events", 200_000)
        let consumers = options.int("consumers", 3)
        // The backlog is loaded by the superuser (--admin-url) in one statement.
        let admin = try await PostgresConnection.connect(
            configuration: PostgresConfiguration(connectionString: options.string("admin-url")), logger: logger)
        try await admin.query("TRUNCATE bus.events")
        try await admin.query("DELETE FROM bus.consumers WHERE name LIKE 'registry.bench%'")
        // Any stable function of the key keeps a key in one slot; these rows never meet published ones.
        try await admin.query(
            """
            INSERT INTO bus.events (topic, type, version, key, slot, occurred_at, producer, payload)
            SELECT 'registry.bench', 'registry.bench.tick', 1, 's' || (n % 1000), (n % 1000 % 64)::int2, now(), 'registry',
                   jsonb_build_object('subject', 's' || (n % 1000), 'sent_at', 0)
            FROM generate_series(1, \(events)) AS n
            """)
        try await admin.query("VACUUM ANALYZE bus.events")
        await admin.close()
        // A long transaction held open by "another user" while the consumers work.
        let holder: PostgresConnection? =
            options.values["hold"] == nil ? nil : try await PostgresConnection.connect(configuration: configuration, logger: logger)
        if let holder {
            if options.values["hold"] == "write" {
                try await holder.query("BEGIN")
                try await holder.query("SELECT pg_current_xact_id()")
            } else {
                try await holder.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                try await holder.query("SELECT count(*) FROM bus.events")
            }
        }
        let handlers = (0..<consumers).map { _ in CountingHandler() }
        let start = ContinuousClock.now
        var finished: [Double] = Array(repeating: 0, count: consumers)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, handler) in handlers.enumerated() {
                let running = consumer("registry.bench\(index)", handler, client)
                group.addTask { try await running.run() }
            }
            let deadline = ContinuousClock.now + .seconds(options.int("timeout", 120))
            while ContinuousClock.now < deadline {
                for (index, handler) in handlers.enumerated() where finished[index] == 0 && handler.count.load(ordering: .relaxed) >= events {
                    finished[index] = (ContinuousClock.now - start).inSeconds
                }
                if finished.allSatisfy({ $0 > 0 }) { break }
                try await Task.sleep(for: .milliseconds(5))
            }
            group.cancelAll()
        }
        if let holder {
            try await holder.query("ROLLBACK")
            await holder.close()
        }
        let rates = finished.map { $0 > 0 ? Double(events) / $0 : 0 }
        let delivered = handlers.map { $0.count.load(ordering: .relaxed) }
        print(
            "bus throughput consumers=\(consumers) events=\(events) hold=\(options.values["hold"] ?? "none") min_rate=\(String(format: "%.1f", rates.min() ?? 0)) delivered=\(delivered.map(String.init).joined(separator: ","))"
        )

    case "stall":
        // What an open write transaction does: events published after it began wait until it ends.
        try await client.query("DELETE FROM bus.consumers WHERE name = 'registry.stall'")
        var stallConfiguration = consumer("registry.stall", CountingHandler(), client).configuration
        stallConfiguration.start = .now
        let handler = CountingHandler()
        let stallConsumer = BusConsumer(configuration: stallConfiguration, handler: handler, database: client, logger: logger)
        try await stallConsumer.register()
        let holder = try await PostgresConnection.connect(configuration: configuration, logger: logger)
        let count = options.int("events", 1000)
        let open = Duration.seconds(options.int("seconds", 3))
        var deliveredWhileOpen = 0
        var catchUp = 0.0
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await stallConsumer.run() }
            try await holder.query("BEGIN")
            try await holder.query("SELECT pg_current_xact_id()")
            for index in 0..<count {
                try await client.withTransaction { try await publisher.publish(Tick(subject: "w\(index % 50)", sent_at: 0), on: $0) }
            }
            try await Task.sleep(for: open)
            deliveredWhileOpen = handler.count.load(ordering: .relaxed)
            try await holder.query("ROLLBACK")
            let ended = ContinuousClock.now
            while handler.count.load(ordering: .relaxed) < count && ContinuousClock.now - ended < .seconds(30) {
                try await Task.sleep(for: .milliseconds(1))
            }
            catchUp = (ContinuousClock.now - ended).inSeconds * 1000
            group.cancelAll()
        }
        await holder.close()
        print(
            "bus stall events=\(count) open_s=\(options.int("seconds", 3)) delivered_while_open=\(deliveredWhileOpen) delivered_after=\(handler.count.load(ordering: .relaxed)) catch_up_ms=\(String(format: "%.1f", catchUp))"
        )

    case "latency":
        let rate = options.int("rate", 1000)
        let duration = Duration.seconds(options.int("seconds", 10))
        try await client.query("DELETE FROM bus.consumers WHERE name = 'registry.latency'")
        var configurationNow = consumer("registry.latency", CountingHandler(), client).configuration
        configurationNow.start = .now
        let handler = CountingHandler(recordLatency: true)
        let latencyConsumer = BusConsumer(configuration: configurationNow, handler: handler, database: client, logger: logger)
        try await latencyConsumer.register()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await latencyConsumer.run() }
            try await Task.sleep(for: .milliseconds(500))
            // Paced publishing: one event every 1/rate seconds, each in its own transaction.
            let interval = Duration.nanoseconds(1_000_000_000 / rate)
            var next = ContinuousClock.now
            let end = next + duration
            var sent = 0
            while next < end {
                try await Task.sleep(until: next)
                try await client.withTransaction { connection in
                    try await publisher.publish(Tick(subject: "l\(sent % 100)", sent_at: Date.now.timeIntervalSince1970), on: connection)
                }
                sent += 1
                next += interval
            }
            let deadline = ContinuousClock.now + .seconds(10)
            while handler.count.load(ordering: .relaxed) < sent && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            group.cancelAll()
        }
        let sorted = handler.latencies.withLock { $0.sorted() }
        func percentile(_ p: Double) -> Double { sorted.isEmpty ? .nan : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] * 1000 }
        print(
            "bus latency rate=\(rate) events=\(sorted.count) p50_ms=\(String(format: "%.2f", percentile(0.5))) p99_ms=\(String(format: "%.2f", percentile(0.99)))"
        )

    default:
        fail("mode must be publish, throughput, latency or stall")
    }
    group.cancelAll()
}
await client.shutdown()
