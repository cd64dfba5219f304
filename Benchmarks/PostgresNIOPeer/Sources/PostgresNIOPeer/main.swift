import Foundation
import Logging
import NIOConcurrencyHelpers
import PostgresNIO

// Runs pgbench's select-only transaction (`SELECT abalance FROM pgbench_accounts WHERE aid = $1`,
// random aid) through postgres-nio as a prepared statement for a fixed time and prints
// `postgres-nio concurrency=N qps=X`, the same measurement as `client-benchmark`: concurrency 1
// uses one connection directly; higher concurrency runs that many tasks through a
// `PostgresClient` pool of the same size. A one-second warm-up is not counted.
//
//   PostgresNIOPeer --url postgresql://USER@HOST:PORT/DB [--seconds 15] [--concurrency 1] [--queries N]
//
// `--queries N` runs exactly N queries on one connection (no warm-up), for instruction counts
// under callgrind, as `client-benchmark --queries N` does.

struct Options {
    var url = ""
    var seconds = 15
    var concurrency = 1
    var queries: Int?

    init(_ arguments: [String]) {
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--url": url = iterator.next() ?? ""
            case "--seconds": seconds = Int(iterator.next() ?? "") ?? seconds
            case "--concurrency": concurrency = Int(iterator.next() ?? "") ?? concurrency
            case "--queries": queries = Int(iterator.next() ?? "")
            default: Self.usage("unknown argument \(argument)")
            }
        }
        guard !url.isEmpty, seconds > 0, concurrency > 0 else { Self.usage("--url is required") }
    }

    static func usage(_ message: String) -> Never {
        FileHandle.standardError.write(
            Data("\(message)\nusage: PostgresNIOPeer --url postgresql://USER@HOST:PORT/DB [--seconds N] [--concurrency N]\n".utf8))
        exit(64)
    }

    /// The parts of a `postgresql://user[:password]@host[:port]/database` URL.
    var endpoint: (host: String, port: Int, user: String, password: String?, database: String?) {
        guard let components = URLComponents(string: url), let host = components.host, let user = components.user else {
            Self.usage("cannot read \(url)")
        }
        let database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        return (host, components.port ?? 5432, user, components.password, database.isEmpty ? nil : database)
    }
}

struct SelectBalance: PostgresPreparedStatement {
    static let sql = "SELECT abalance FROM pgbench_accounts WHERE aid = $1"
    typealias Row = Int32
    var aid: Int32

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(aid)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Int32 { try row.decode(Int32.self) }
}

/// xorshift64*: a random aid per query without a system call, as `client-benchmark` draws them.
struct FastRandom: RandomNumberGenerator {
    var state = UInt64.random(in: 1...UInt64.max)
    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 2_685_821_657_736_338_717
    }
}

/// Runs the statement on `run` until `deadline`; counts the queries finished after `countFrom`.
func selectLoop(
    accounts: Int, countFrom: ContinuousClock.Instant, until deadline: ContinuousClock.Instant, limit: Int = .max,
    _ run: (SelectBalance) async throws -> Int32?
) async throws -> Int {
    var count = 0
    var generator = FastRandom()
    while count < limit, ContinuousClock.now < deadline {
        let aid = Int32(Int.random(in: 1...accounts, using: &generator))
        guard try await run(SelectBalance(aid: aid)) != nil else { throw PeerError("no row for aid \(aid)") }
        if ContinuousClock.now >= countFrom { count += 1 }
    }
    return count
}

struct PeerError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

let options = Options(Array(CommandLine.arguments.dropFirst()))
/// Connects, runs the measurement and prints its line.
func main(_ options: Options) async throws {
    var logger = Logger(label: "postgres-nio-peer")
    logger.logLevel = .warning

    let endpoint = options.endpoint
    let setup = try await PostgresConnection.connect(
        configuration: .init(
            host: endpoint.host, port: endpoint.port, username: endpoint.user, password: endpoint.password,
            database: endpoint.database, tls: .disable),
        id: 0, logger: logger)
    var scale = 0
    for try await count in try await setup.query("SELECT count(*)::int8 FROM pgbench_branches", logger: logger).decode(Int.self) {
        scale = count
    }
    let accounts = scale * 100_000

    if let queries = options.queries {
        let done = try await selectLoop(accounts: accounts, countFrom: .now, until: .now + .seconds(86_400), limit: queries) { statement in
            var value: Int32?
            for try await row in try await setup.execute(statement, logger: logger) { value = row }
            return value
        }
        try await setup.close()
        print("postgres-nio queries=\(done)")
        return
    }
    let countFrom = ContinuousClock.now + .seconds(1)
    let deadline = countFrom + .seconds(options.seconds)
    let total: Int
    if options.concurrency == 1 {
        total = try await selectLoop(accounts: accounts, countFrom: countFrom, until: deadline) { statement in
            var value: Int32?
            for try await row in try await setup.execute(statement, logger: logger) { value = row }
            return value
        }
    } else {
        var configuration = PostgresClient.Configuration(
            host: endpoint.host, port: endpoint.port, username: endpoint.user, password: endpoint.password,
            database: endpoint.database, tls: .disable)
        configuration.options.maximumConnections = options.concurrency
        configuration.options.minimumConnections = options.concurrency
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        total = try await withThrowingTaskGroup(of: Int?.self) { group in
            group.addTask {
                await client.run()
                return nil
            }
            let workers = (0..<options.concurrency).map { _ in
                { @Sendable () async throws -> Int? in
                    try await selectLoop(accounts: accounts, countFrom: countFrom, until: deadline) { statement in
                        var value: Int32?
                        for try await row in try await client.execute(statement) { value = row }
                        return value
                    }
                }
            }
            for worker in workers { group.addTask(operation: worker) }
            var sum = 0
            for _ in 0..<options.concurrency {
                if let count = try await group.next() ?? nil { sum += count }
            }
            group.cancelAll()
            return sum
        }
    }
    try await setup.close()
    print("postgres-nio concurrency=\(options.concurrency) qps=\(String(format: "%.1f", Double(total) / Double(options.seconds)))")
}

// The work runs in a task the main thread waits for (valgrind 3.19 cannot run an `async` main).
let finished = DispatchSemaphore(value: 0)
let failure = NIOLockedValueBox<(any Error)?>(nil)
Task.detached {
    do { try await main(options) } catch { failure.withLockedValue { $0 = error } }
    finished.signal()
}
finished.wait()
if let error = failure.withLockedValue({ $0 }) {
    FileHandle.standardError.write(Data("postgres-nio-peer: \(String(reflecting: error))\n".utf8))
    exit(1)
}
