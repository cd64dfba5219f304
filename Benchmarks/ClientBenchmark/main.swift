import Foundation
import Logging
import Postgres
import Synchronization

// Runs pgbench's select-only transaction (`SELECT abalance FROM pgbench_accounts WHERE aid = $1`,
// random aid) through the Swift client for a fixed time and prints
// `swift-client concurrency=N qps=X`. Concurrency 1 uses one connection directly; higher
// concurrency runs that many tasks through a `PostgresClient` pool of the same size.
//
//   client-benchmark --url URL [--seconds 15] [--concurrency 1] [--queries N [--pooled]]
//
// `--queries N` runs exactly N queries (concurrency 1, no warm-up) instead of a timed run, for
// instruction counts under `valgrind --tool=callgrind`: the difference between two counts divided
// by the difference in queries is the client's cost per query, whatever the machine's load. The
// work runs in a task the main thread waits for (valgrind 3.19 cannot run an `async` main).
// `--pooled` runs those queries through a `PostgresClient` of one connection (the path of
// concurrency 4: lease, statement, release) instead of on the connection directly.

struct Options {
    var url = ""
    var seconds = 15
    var concurrency = 1
    var queries: Int?
    var pooled = false

    init(_ arguments: [String]) {
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--url": url = iterator.next() ?? ""
            case "--seconds": seconds = Int(iterator.next() ?? "") ?? seconds
            case "--concurrency": concurrency = Int(iterator.next() ?? "") ?? concurrency
            case "--queries": queries = Int(iterator.next() ?? "")
            case "--pooled": pooled = true
            default:
                FileHandle.standardError.write(Data("unknown argument \(argument)\n".utf8))
                exit(64)
            }
        }
        guard !url.isEmpty, seconds > 0, concurrency > 0 else {
            FileHandle.standardError.write(Data("usage: client-benchmark --url URL [--seconds N] [--concurrency N] [--queries N]\n".utf8))
            exit(64)
        }
    }
}

/// Runs the select loop on `connection` until `deadline` (or `limit` queries); returns the number of queries.
func selectLoop(_ connection: PostgresConnection, accounts: Int, until deadline: ContinuousClock.Instant, limit: Int = .max) async throws -> Int {
    var count = 0
    var generator = FastRandom()
    while count < limit, ContinuousClock.now < deadline {
        let aid = Int.random(in: 1...accounts, using: &generator)
        let rows = try await connection.query("SELECT abalance FROM pgbench_accounts WHERE aid = \(Int32(aid))")
        _ = try rows[0].decode(Int.self, at: 0)
        count += 1
    }
    return count
}

/// Runs `tasks` select loops through the pool; counts the queries finished after `countFrom`.
func pooledLoop(
    _ client: PostgresClient, tasks: Int, accounts: Int, countFrom: ContinuousClock.Instant, until deadline: ContinuousClock.Instant
) async throws -> Int {
    try await withThrowingTaskGroup(of: Int.self) { group in
        for task in 0..<tasks {
            group.addTask(executorPreference: client.executors[task % client.executors.count]) {
                var count = 0
                var generator = FastRandom()
                while ContinuousClock.now < deadline {
                    let aid = Int.random(in: 1...accounts, using: &generator)
                    let rows = try await client.query("SELECT abalance FROM pgbench_accounts WHERE aid = \(Int32(aid))")
                    _ = try rows[0].decode(Int.self, at: 0)
                    if ContinuousClock.now >= countFrom { count += 1 }
                }
                return count
            }
        }
        var total = 0
        for try await count in group { total += count }
        return total
    }
}

/// xorshift64*: a random aid per query without a system call (pgbench also draws its own).
struct FastRandom: RandomNumberGenerator {
    var state = UInt64.random(in: 1...UInt64.max)
    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 2_685_821_657_736_338_717
    }
}

/// Connects, runs the measurement and prints its line.
func main(_ options: Options) async throws {
    var logger = Logger(label: "client-benchmark")
    logger.logLevel = .warning
    let configuration = PostgresConfiguration(
        connectionString: options.url, applicationName: "client-benchmark", statementTimeout: nil,
        poolSize: options.concurrency)

    let setup = try await PostgresConnection.connect(configuration: configuration, logger: logger)
    let scale = try await setup.query("SELECT count(*) FROM pgbench_branches")[0].decode(Int.self, at: 0)
    let accounts = scale * 100_000

    if let queries = options.queries, options.pooled {
        let client = PostgresClient(configuration: configuration, logger: logger)
        let done = try await withTaskExecutorPreference(client.executors[0]) {
            var generator = FastRandom()
            for _ in 0..<queries {
                let aid = Int.random(in: 1...accounts, using: &generator)
                let rows = try await client.query("SELECT abalance FROM pgbench_accounts WHERE aid = \(Int32(aid))")
                _ = try rows[0].decode(Int.self, at: 0)
            }
            return queries
        }
        await client.shutdown()
        await setup.close()
        print("swift-client pooled queries=\(done)")
        return
    }
    if let queries = options.queries {
        let done = try await withTaskExecutorPreference(setup.executor) {
            try await selectLoop(setup, accounts: accounts, until: .now + .seconds(86_400), limit: queries)
        }
        await setup.close()
        print("swift-client queries=\(done)")
        return
    }
    let warmUp = ContinuousClock.now + .seconds(1)
    let total: Int
    let started: ContinuousClock.Instant
    if options.concurrency == 1 {
        // The loop runs on the connection's I/O thread, as the pooled tasks below run on theirs.
        (started, total) = try await withTaskExecutorPreference(setup.executor) {
            _ = try await selectLoop(setup, accounts: accounts, until: warmUp)
            let started = ContinuousClock.now
            return (started, try await selectLoop(setup, accounts: accounts, until: started + .seconds(options.seconds)))
        }
    } else {
        let client = PostgresClient(configuration: configuration, logger: logger)
        let deadline = warmUp + .seconds(options.seconds)
        started = warmUp
        total = try await pooledLoop(client, tasks: options.concurrency, accounts: accounts, countFrom: warmUp, until: deadline)
        await client.shutdown()
    }
    let elapsed = ContinuousClock.now - started
    let switches = ioThreadSwitches()
    await setup.close()
    print("swift-client concurrency=\(options.concurrency) qps=\(String(format: "%.1f", Double(total) / elapsed.inSeconds))")
    // How the I/O threads gave up their cores, per query: sleeping in epoll_wait (voluntary) or
    // preempted, typically by a backend woken on the same core (involuntary).
    let queries = Double(max(total, 1))
    print(
        String(
            format: "swift-client io-switches voluntary=%.2f involuntary=%.2f per query", Double(switches.voluntary) / queries,
            Double(switches.involuntary) / queries))
}

/// The context switches of this process's I/O threads (`postgres-io-*`) so far, from `/proc`.
func ioThreadSwitches() -> (voluntary: Int, involuntary: Int) {
    var voluntary = 0, involuntary = 0
    let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
    for task in tasks {
        guard let name = try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8), name.hasPrefix("postgres-io"),
            let status = try? String(contentsOfFile: "/proc/self/task/\(task)/status", encoding: .utf8)
        else { continue }
        for line in status.split(separator: "\n") {
            let parts = line.split(separator: ":")
            guard parts.count == 2, let value = Int(parts[1].trimmingCharacters(in: .whitespaces)) else { continue }
            if parts[0] == "voluntary_ctxt_switches" { voluntary += value }
            if parts[0] == "nonvoluntary_ctxt_switches" { involuntary += value }
        }
    }
    return (voluntary, involuntary)
}

let options = Options(Array(CommandLine.arguments.dropFirst()))
let finished = DispatchSemaphore(value: 0)
let failure = Mutex<(any Error)?>(nil)
Task.detached {
    do { try await main(options) } catch { failure.withLock { $0 = error } }
    finished.signal()
}
finished.wait()
if let error = failure.withLock({ $0 }) {
    FileHandle.standardError.write(Data("client-benchmark: \(error)\n".utf8))
    exit(1)
}
