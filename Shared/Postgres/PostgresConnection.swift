import CLibPQ
import Foundation
import Logging

/// One libpq connection, driven by its own worker thread.
///
/// Statements run one at a time, in the order they are awaited. Cancelling the awaiting task
/// cancels the running statement on the server (`PQcancel`) and the call throws
/// `CancellationError`. Use a `PostgresClient` to share connections; use a connection directly
/// only for a session that must stay on one backend.
public final class PostgresConnection: @unchecked Sendable {
    private let worker: WorkerThread
    private let gate = CancelGate()
    private let cacheSize: Int
    let logger: Logger

    // Confined to `worker`.
    private var handle: OpaquePointer?
    private var noticeSink: Unmanaged<NoticeSink>?
    private var statements: [StatementKey: String] = [:]
    private var statementOrder: [StatementKey] = []
    private var statementCounter = 0

    /// The server process serving this connection (`pg_backend_pid()`).
    public let backendPID: Int32

    private init(worker: WorkerThread, handle: OpaquePointer, sink: Unmanaged<NoticeSink>, cacheSize: Int, logger: Logger) {
        self.worker = worker
        self.handle = handle
        self.noticeSink = sink
        self.cacheSize = cacheSize
        self.logger = logger
        self.backendPID = PQbackendPID(handle)
        gate.install(PQgetCancel(handle))
    }

    /// Opens a connection; throws `.connectionFailed` with libpq's reason (never the password).
    public static func connect(configuration: PostgresConfiguration, logger: Logger) async throws -> PostgresConnection {
        let parameters = try configuration.connectionParameters()
        let worker = WorkerThread(name: "postgres-connection")
        do {
            let (handle, sink) = try await worker.run { () throws -> (UnsafeSendable<OpaquePointer>, UnsafeSendable<Unmanaged<NoticeSink>>) in
                let handle = Self.open(parameters)
                guard let handle, PQstatus(handle) == CONNECTION_OK else {
                    let message = handle.map { String(cString: PQerrorMessage($0)).trimmingNewlines() } ?? "out of memory"
                    PQfinish(handle)
                    throw PostgresError(code: .connectionFailed, message: message)
                }
                return (UnsafeSendable(handle), UnsafeSendable(NoticeSink.install(on: handle, logger: logger)))
            }
            return PostgresConnection(worker: worker, handle: handle.value, sink: sink.value, cacheSize: configuration.preparedStatementCacheSize, logger: logger)
        } catch {
            worker.stop()
            throw error
        }
    }

    private static func open(_ parameters: [(key: String, value: String)]) -> OpaquePointer? {
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
        let handle = UnsafeSendable(self.handle)
        let sink = noticeSink.map { UnsafeSendable($0) }
        if handle.value != nil {
            worker.submit {
                PQfinish(handle.value)
                sink?.value.release()
            }
        }
        gate.close()
        worker.stop()
    }

    /// Runs one statement with its bound parameters and returns its rows.
    @discardableResult
    public func query(_ query: PostgresQuery) async throws -> PostgresRows {
        try await run(honouringCancellation: true) { connection in try connection.execute(query) }
    }

    /// Runs a script of several statements without parameters (migrations, set-up); returns
    /// the rows of its last statement.
    @discardableResult
    public func execute(script: String) async throws -> PostgresRows {
        try await run(honouringCancellation: true) { connection in try connection.executeScript(script) }
    }

    /// Runs a statement even when the task is cancelled: `ROLLBACK`, `UNLISTEN`, clean-up.
    @discardableResult
    func queryIgnoringCancellation(_ query: PostgresQuery) async throws -> PostgresRows {
        try await run(honouringCancellation: false) { connection in try connection.execute(query) }
    }

    /// Closes the connection; later calls fail with `.connectionClosed`.
    public func close() async {
        _ = try? await worker.run { [self] in
            if let handle {
                PQfinish(handle)
                self.handle = nil
                noticeSink?.release()
                noticeSink = nil
            }
        }
        gate.close()
    }

    /// Whether the session is open and outside any transaction, for the pool to take it back.
    /// Call only while no statement runs.
    var isReusable: Bool {
        guard let handle else { return false }
        return PQstatus(handle) == CONNECTION_OK && PQtransactionStatus(handle) == PQTRANS_IDLE
    }

    /// `isReusable`, and nothing arrived from the server while idle: an idle session receives
    /// nothing unasked, so readable data means the server sent an error (terminated backend,
    /// shutdown) or closed the socket. Checked before the pool hands the connection out.
    var isIdleAndHealthy: Bool {
        guard isReusable, let handle else { return false }
        var descriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 0) == 0
    }

    /// True when a transaction is open or failed on this connection.
    var isInTransaction: Bool {
        guard let handle else { return false }
        let status = PQtransactionStatus(handle)
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR
    }

    func resetCancellation() { gate.reset() }

    private func run<T: Sendable>(honouringCancellation: Bool, _ work: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        if honouringCancellation { try Task.checkCancellation() }
        let gate = self.gate
        return try await withTaskCancellationHandler {
            try await worker.run { [self] () throws -> T in
                try gate.begin(honouringCancellation: honouringCancellation)
                let result = Result { try work(self) }
                let cancelled = gate.end()
                if cancelled, honouringCancellation, case .failure(let error as PostgresError) = result,
                    error.sqlState == SQLState.queryCanceled
                {
                    throw CancellationError()
                }
                return try result.get()
            }
        } onCancel: {
            if honouringCancellation { gate.requestCancel() }
        }
    }

    // MARK: Worker-confined

    private func liveHandle() throws -> OpaquePointer {
        guard let handle else { throw PostgresError(code: .connectionClosed, message: "the connection is closed") }
        return handle
    }

    private func execute(_ query: PostgresQuery) throws -> PostgresRows {
        let handle = try liveHandle()
        let bindings = query.bindings
        let types = bindings.types.map { Oid($0.rawValue) }
        let values = bindings.values.map { $0.map { strdup($0) } ?? nil }
        defer { values.forEach { free($0) } }
        let valuePointers = values.map { UnsafePointer($0) }
        guard cacheSize > 0 else {
            return try check(PQexecParams(handle, query.sql, Int32(values.count), types, valuePointers, nil, nil, 0), handle)
        }
        let key = StatementKey(sql: query.sql, types: types)
        let name = try preparedName(for: key, sql: query.sql, types: types, handle: handle)
        do {
            return try check(PQexecPrepared(handle, name, Int32(values.count), valuePointers, nil, nil, 0), handle)
        } catch let error as PostgresError where error.sqlState == "26000" || error.sqlState == "0A000" {
            // The statement vanished (DISCARD ALL) or its plan no longer fits: prepare afresh next time.
            statements[key] = nil
            statementOrder.removeAll { $0 == key }
            throw error
        }
    }

    private func preparedName(for key: StatementKey, sql: String, types: [Oid], handle: OpaquePointer) throws -> String {
        if let name = statements[key] { return name }
        statementCounter += 1
        let name = "s\(statementCounter)"
        _ = try check(PQprepare(handle, name, sql, Int32(types.count), types), handle)
        statements[key] = name
        statementOrder.append(key)
        if statementOrder.count > cacheSize {
            let evicted = statementOrder.removeFirst()
            if let evictedName = statements.removeValue(forKey: evicted) {
                _ = try check(PQexec(handle, "DEALLOCATE \(PostgresQuery.quoteIdentifier(evictedName))"), handle)
            }
        }
        return name
    }

    private func executeScript(_ script: String) throws -> PostgresRows {
        let handle = try liveHandle()
        return try check(PQexec(handle, script), handle)
    }

    private func check(_ result: OpaquePointer?, _ handle: OpaquePointer) throws -> PostgresRows {
        guard let result else {
            throw PostgresError(code: .connectionClosed, message: String(cString: PQerrorMessage(handle)).trimmingNewlines())
        }
        let status = PQresultStatus(result)
        if status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK || status == PGRES_EMPTY_QUERY {
            return PostgresRows(result: result)
        }
        defer { PQclear(result) }
        guard status == PGRES_FATAL_ERROR || status == PGRES_NONFATAL_ERROR else {
            throw PostgresError(code: .protocolViolation, message: "unexpected result status \(status.rawValue)")
        }
        func field(_ code: Int32) -> String? { PQresultErrorField(result, code).map { String(cString: $0) } }
        let sqlState = field(clibpq_diag_sqlstate())
        let lost = PQstatus(handle) != CONNECTION_OK
        return try {
            throw PostgresError(
                code: sqlState == nil && lost ? .connectionClosed : .server,
                sqlState: sqlState,
                message: field(clibpq_diag_message()) ?? String(cString: PQerrorMessage(handle)).trimmingNewlines(),
                detail: field(clibpq_diag_detail()), hint: field(clibpq_diag_hint()), schema: field(clibpq_diag_schema()),
                table: field(clibpq_diag_table()), column: field(clibpq_diag_column()),
                constraint: field(clibpq_diag_constraint()), severity: field(clibpq_diag_severity()))
        }()
    }
}

/// A prepared statement is reused only for the same text with the same parameter types.
private struct StatementKey: Hashable {
    let sql: String
    let types: [Oid]
}

/// Carries a non-Sendable value across a thread hop whose safety the caller guarantees.
struct UnsafeSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
