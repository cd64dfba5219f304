import CLibPQ
import Foundation
import Logging
import Synchronization

/// One libpq connection in non-blocking mode, driven by the shared `EventLoop` thread.
///
/// Statements run one at a time. Cancelling the awaiting task cancels the running statement on
/// the server (`PQcancel`) and the call throws `CancellationError`. Use a `PostgresClient` to
/// share connections; use a connection directly only for a session that must stay on one backend.
public final class PostgresConnection: Sendable {
    private let io: ConnectionIO
    let loop: EventLoop
    private let gate: CancelGate
    private let sink: UnsafeSendable<Unmanaged<NoticeSink>>
    private let commitActions = Mutex<[(key: String?, action: @Sendable () -> Void)]>([])
    private let hasCommitActions = Atomic<Bool>(false)
    let logger: Logger

    /// The I/O thread that drives this connection. A task that runs many statements on it in a
    /// row can prefer it (`withTaskExecutorPreference(connection.executor) { ... }`): each
    /// statement then starts and resumes on that thread, without two thread switches per
    /// statement. Keep CPU-heavy work off it: it drives all I/O of its connections.
    public var executor: any TaskExecutor { loop }

    /// The server process serving this connection (`pg_backend_pid()`).
    public let backendPID: Int32

    private init(handle: OpaquePointer, sink: Unmanaged<NoticeSink>, cacheSize: Int, logger: Logger) {
        let gate = CancelGate()
        gate.install(PQgetCancel(handle))
        self.gate = gate
        self.loop = EventLoops.pick()
        self.io = ConnectionIO(handle: handle, loop: loop, gate: gate, cacheSize: cacheSize)
        self.sink = UnsafeSendable(sink)
        self.logger = logger
        self.backendPID = PQbackendPID(handle)
        let io = self.io
        let loop = self.loop
        loop.submit { loop.register(io) }
    }

    /// Opens a connection; throws `.connectionFailed` naming the server, port, user and database
    /// tried, with libpq's reason (never the password).
    ///
    /// The blocking connect runs on a thread of its own, so a slow or unreachable server never
    /// holds up other connections.
    public static func connect(configuration: PostgresConfiguration, logger: Logger) async throws -> PostgresConnection {
        let parameters = try configuration.connectionParameters()
        let connector = WorkerThread(name: "postgres-connect")
        defer { connector.stop() }
        let (handle, sink) = try await connector.run { () throws -> (UnsafeSendable<OpaquePointer>, UnsafeSendable<Unmanaged<NoticeSink>>) in
            let handle = Self.open(parameters)
            guard let handle, PQstatus(handle) == CONNECTION_OK, PQsetnonblocking(handle, 1) == 0 else {
                let reason = handle.map { String(cString: PQerrorMessage($0)).trimmingNewlines() } ?? "out of memory"
                PQfinish(handle)
                throw PostgresError(code: .connectionFailed, message: "cannot connect to \(Self.target(parameters)): \(reason)")
            }
            return (UnsafeSendable(handle), UnsafeSendable(NoticeSink.install(on: handle, logger: logger)))
        }
        return PostgresConnection(handle: handle.value, sink: sink.value, cacheSize: configuration.preparedStatementCacheSize, logger: logger)
    }

    /// `user@host:port/database` as libpq will try it (its defaults where a setting is absent).
    static func target(_ parameters: [(key: String, value: String)]) -> String {
        func value(_ key: String) -> String? { parameters.last { $0.key == key && !$0.value.isEmpty }?.value }
        let user = value("user") ?? ProcessInfo.processInfo.environment["PGUSER"] ?? "(the system user)"
        let host = value("host") ?? value("hostaddr") ?? ProcessInfo.processInfo.environment["PGHOST"] ?? "the local socket"
        let port = value("port") ?? ProcessInfo.processInfo.environment["PGPORT"] ?? "5432"
        return "\(user)@\(host):\(port)/\(value("dbname") ?? user)"
    }

    static func open(_ parameters: [(key: String, value: String)]) -> OpaquePointer? {
        let keys = parameters.map { strdup($0.key) }
        let values = parameters.map { strdup($0.value) }
        defer {
            keys.forEach { free($0) }
            values.forEach { free($0) }
        }
        let keyPointers = keys.map { UnsafePointer($0) } + [nil]
        let valuePointers = values.map { UnsafePointer($0) } + [nil]
        return PQconnectdbParams(keyPointers, valuePointers, 0)
    }

    deinit {
        let io = self.io
        let sink = self.sink
        let gate = self.gate
        loop.submit {
            io.close()
            sink.value.release()
            gate.close()
        }
    }

    /// Runs one statement with its bound parameters and returns its rows.
    @discardableResult
    public nonisolated(nonsending) func query(_ query: PostgresQuery) async throws -> PostgresRows {
        try await run(.query(query), honouringCancellation: true)
    }

    /// Runs a script of several statements without parameters (migrations, set-up); returns
    /// the rows of its last statement.
    @discardableResult
    public nonisolated(nonsending) func execute(script: String) async throws -> PostgresRows {
        try await run(.script(script), honouringCancellation: true)
    }

    /// Runs a statement even when the task is cancelled: `ROLLBACK`, clean-up.
    @discardableResult
    nonisolated(nonsending) func queryIgnoringCancellation(_ query: PostgresQuery) async throws -> PostgresRows {
        try await run(.query(query), honouringCancellation: false)
    }

    /// Closes the connection; later calls fail with `.connectionClosed`.
    public func close() async {
        let io = self.io
        await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
            loop.submit {
                io.close()
                continuation.resume()
            }
        }
    }

    /// Closes the connection on its I/O thread without waiting, then runs `then` there; statements
    /// submitted later fail with `.connectionClosed`.
    func closeSoon(then: (@Sendable () -> Void)? = nil) {
        let io = self.io
        loop.submit {
            io.close()
            then?()
        }
    }

    /// Whether the session is open and outside any transaction, for the pool to take it back.
    var isReusable: Bool { io.flags.load(ordering: .acquiring) == 0 }

    /// `isReusable`, and, for a session idle a while, nothing waiting on its socket. Checked
    /// before the pool hands the connection out.
    ///
    /// An idle session receives nothing unasked: the I/O loop marks it broken as soon as anything
    /// arrives (a terminating backend's message, the close). Under load the loop may not have
    /// processed that yet, so a session idle for longer than a millisecond is also polled.
    /// One returned a moment ago (a task taking its next statement's connection straight back)
    /// is not, which saves a system call per statement on a busy pool; a backend dying within
    /// that moment is found by the statement, as one dying just after any check would be.
    var isIdleAndHealthy: Bool {
        guard isReusable else { return false }
        guard Self.monotonicNanoseconds() - releasedAt.load(ordering: .relaxed) >= Self.quietCheckAfterNanoseconds else { return true }
        var descriptor = pollfd(fd: io.descriptor, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 0) == 0
    }

    /// How long a session must have been idle before the pool polls its socket when lending it.
    static let quietCheckAfterNanoseconds: Int64 = 1_000_000

    /// When the pool last took the connection back (`monotonicNanoseconds`).
    private let releasedAt = Atomic<Int64>(0)

    /// `CLOCK_MONOTONIC` in nanoseconds: read twice per lease, so without `Duration` arithmetic.
    private static func monotonicNanoseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }

    /// Called by the pool when the connection comes back.
    func markReleased() {
        releasedAt.store(Self.monotonicNanoseconds(), ordering: .relaxed)
    }

    func resetCancellation() { gate.reset() }

    /// Runs `action` once the transaction open on this connection commits, or at once when no
    /// transaction is open (the statement just run has committed on its own). A rollback, a
    /// `COMMIT` that rolled back, a failed statement outside a transaction or a lost connection
    /// drops it instead. For work that follows a commit and may be lost in a crash (wake-ups).
    /// Of the actions given the same `key` in one transaction, only the first is kept.
    public func afterCommit(key: String? = nil, _ action: @escaping @Sendable () -> Void) {
        guard io.flags.load(ordering: .acquiring) & ConnectionIO.inTransaction != 0 else {
            action()
            return
        }
        commitActions.withLock { actions in
            if let key, actions.contains(where: { $0.key == key }) { return }
            actions.append((key, action))
        }
        hasCommitActions.store(true, ordering: .releasing)
    }

    /// Called after every statement while actions wait: once the session is outside a
    /// transaction, runs them if it committed and drops them otherwise.
    private func settleCommitActions(committed: Bool) {
        let flags = io.flags.load(ordering: .acquiring)
        guard flags & ConnectionIO.inTransaction == 0 else { return }
        let actions = commitActions.withLock { actions in
            defer { actions.removeAll() }
            return actions
        }
        hasCommitActions.store(false, ordering: .releasing)
        guard committed, flags & ConnectionIO.broken == 0 else { return }
        for entry in actions { entry.action() }
    }

    /// What a call asks of the connection.
    private enum Request: Sendable {
        case query(PostgresQuery)
        case script(String)
    }

    /// Starts the request on the I/O thread (inline when the task already runs there, the usual
    /// case for a task that prefers its connection's executor), awaits its result, and settles
    /// the actions waiting for a commit. One async frame between the caller and the wait: each
    /// more costs executor checks on every statement.
    private nonisolated(nonsending) func run(_ request: Request, honouringCancellation: Bool) async throws -> PostgresRows {
        if honouringCancellation { try Task.checkCancellation() }
        let settles = hasCommitActions.load(ordering: .acquiring)
        let gate = self.gate
        let io = self.io
        let loop = self.loop
        do {
            let rows = try await _unsafeInheritExecutor_withTaskCancellationHandler {
                try await _unsafeInheritExecutor_withUnsafeThrowingContinuation { (continuation: ConnectionIO.Continuation) in
                    if loop.inLoop {
                        Self.start(request, on: io, honouringCancellation: honouringCancellation, continuation)
                    } else {
                        loop.submit { Self.start(request, on: io, honouringCancellation: honouringCancellation, continuation) }
                    }
                }
            } onCancel: {
                if honouringCancellation { gate.requestCancel() }
            }
            if settles { settleCommitActions(committed: rows.commandTag != "ROLLBACK") }
            return rows
        } catch {
            if settles { settleCommitActions(committed: false) }
            throw error
        }
    }

    private static func start(
        _ request: Request, on io: ConnectionIO, honouringCancellation: Bool, _ continuation: ConnectionIO.Continuation
    ) {
        switch request {
        case .query(let query): io.start(query: query, honouringCancellation: honouringCancellation, continuation: continuation)
        case .script(let script): io.start(script: script, continuation: continuation)
        }
    }
}

/// Carries a non-Sendable value across a thread hop whose safety the caller guarantees.
struct UnsafeSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
