import CLibPQ
import Foundation
import Synchronization

/// The libpq side of one connection, in non-blocking mode, driven by the `EventLoop`.
///
/// Everything here runs on the loop thread; other threads only read `flags`.
final class ConnectionIO: EventLoopSocket, @unchecked Sendable {
    typealias Continuation = ConnectionOperation.Continuation

    /// Bits readable from any thread: the pool's view of the session.
    static let broken: UInt8 = 1
    static let inTransaction: UInt8 = 2
    let flags = Atomic<UInt8>(0)

    let handle: OpaquePointer
    let descriptor: Int32
    private let loop: EventLoop
    private let gate: CancelGate
    private let cacheSize: Int
    private var statements: [StatementKey: String] = [:]
    private var statementOrder: [StatementKey] = []
    private var statementCounter = 0
    private var operation: ConnectionOperation?
    private var wantsWrite = false
    private var closed = false

    init(handle: OpaquePointer, loop: EventLoop, gate: CancelGate, cacheSize: Int) {
        self.handle = handle
        self.descriptor = PQsocket(handle)
        self.loop = loop
        self.gate = gate
        self.cacheSize = cacheSize
    }

    // MARK: Called on the loop thread

    /// Starts a statement: prepares it first when it is not prepared on this connection yet.
    func start(query: PostgresQuery, honouringCancellation: Bool, continuation: Continuation) {
        // libpq sends text parameters as C strings: one holding NUL would be cut short silently.
        if let index = Self.firstParameterHoldingNUL(query.bindings.values) {
            continuation.resume(
                throwing: PostgresError(
                    code: .invalidParameter, message: "parameter $\(index + 1) holds a NUL character, which PostgreSQL cannot store"))
            return
        }
        let types = query.bindings.types
        let values = query.bindings.values
        guard cacheSize > 0, query.isPrepared else {
            begin(
                ConnectionOperation(sql: query.sql, values: values, types: types, kind: .unprepared, continuation: continuation),
                honouringCancellation)
            return
        }
        let key = StatementKey(sql: query.sql, types: types)
        if let name = statements[key] {
            begin(
                ConnectionOperation(sql: query.sql, values: values, types: types, kind: .prepared(name: name), key: key, continuation: continuation),
                honouringCancellation)
            return
        }
        statementCounter += 1
        begin(
            ConnectionOperation(
                sql: query.sql, values: values, types: types, kind: .prepared(name: "s\(statementCounter)"), key: key, prepares: true,
                continuation: continuation),
            honouringCancellation)
    }

    /// Starts a multi-statement script through the simple query protocol.
    func start(script: String, continuation: Continuation) {
        begin(ConnectionOperation(sql: script, kind: .script, continuation: continuation), true)
    }

    /// The index of the first parameter whose text holds a NUL byte, if any.
    private static func firstParameterHoldingNUL(_ values: [String?]) -> Int? {
        for (index, value) in values.enumerated() {
            guard var value else { continue }
            if value.withUTF8({ $0.isEmpty ? false : memchr($0.baseAddress!, 0, $0.count) != nil }) { return index }
        }
        return nil
    }

    /// Closes the session; a running operation fails.
    func close() {
        guard !closed else { return }
        closed = true
        if let operation {
            operation.error = PostgresError(code: .connectionClosed, message: "the connection was closed")
            complete()
        }
        loop.unregister(self)
        PQfinish(handle)
        flags.store(Self.broken, ordering: .releasing)
    }

    private func begin(_ operation: ConnectionOperation, _ honouringCancellation: Bool) {
        guard !closed else {
            operation.continuation.resume(throwing: PostgresError(code: .connectionClosed, message: "the connection is closed"))
            return
        }
        precondition(self.operation == nil, "a PostgresConnection runs one statement at a time")
        do {
            try gate.begin(honouringCancellation: honouringCancellation)
        } catch {
            operation.continuation.resume(throwing: error)
            return
        }
        self.operation = operation
        sendNextStep()
    }

    private func sendNextStep() {
        guard let operation else { return }
        let sent: Int32
        switch operation.phase {
        case .prepare:
            sent = operation.types.withUnsafeBufferPointer { types in
                withUnsafeTemporaryAllocation(of: Oid.self, capacity: max(types.count, 1)) { oids in
                    for (index, type) in types.enumerated() { oids[index] = Oid(type.rawValue) }
                    return PQsendPrepare(handle, operation.preparedName, operation.sql, Int32(types.count), oids.baseAddress)
                }
            }
        case .statement:
            switch operation.kind {
            case .prepared(let name):
                // `withCString` lends a short name from the stack; passing the String itself
                // would copy it to the heap first.
                sent = name.withCString { name in
                    Self.withParameters(operation.values) { pointers in
                        PQsendQueryPrepared(handle, name, Int32(pointers.count), pointers.baseAddress, nil, nil, 0)
                    }
                }
            case .unprepared:
                let oids = operation.types.map { Oid($0.rawValue) }
                sent = Self.withParameters(operation.values) { pointers in
                    PQsendQueryParams(handle, operation.sql, Int32(pointers.count), oids, pointers.baseAddress, nil, nil, 0)
                }
            case .script:
                sent = PQsendQuery(handle, operation.sql)
            }
        case .deallocate:
            sent = PQsendQuery(handle, "DEALLOCATE \(PostgresQuery.quoteIdentifier(operation.deallocate ?? ""))")
        case .done:
            return complete()
        }
        guard sent == 1 else { return fail(connectionError()) }
        flush()
    }

    /// Lays the parameters out as C strings in one buffer (libpq copies them before returning);
    /// both the buffer and the pointer array live on the stack when small.
    private static func withParameters(_ values: [String?], _ body: (UnsafeBufferPointer<UnsafePointer<CChar>?>) -> Int32) -> Int32 {
        var size = 0
        for value in values { size += (value?.utf8.count ?? 0) + 1 }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: max(size, 1)) { storage in
            withUnsafeTemporaryAllocation(of: UnsafePointer<CChar>?.self, capacity: max(values.count, 1)) { pointers in
                var offset = 0
                for (index, value) in values.enumerated() {
                    guard let value else {
                        pointers[index] = nil
                        continue
                    }
                    let start = storage.baseAddress! + offset
                    let copied: Int? = value.utf8.withContiguousStorageIfAvailable { bytes in
                        if let source = bytes.baseAddress { UnsafeMutableRawPointer(start).copyMemory(from: source, byteCount: bytes.count) }
                        return bytes.count
                    }
                    if let copied {
                        offset += copied
                    } else {
                        for byte in value.utf8 {
                            storage[offset] = CChar(bitPattern: byte)
                            offset += 1
                        }
                    }
                    storage[offset] = 0
                    offset += 1
                    pointers[index] = UnsafePointer(start)
                }
                return body(UnsafeBufferPointer(start: pointers.baseAddress, count: values.count))
            }
        }
    }

    private func flush() {
        switch PQflush(handle) {
        case 0:
            if wantsWrite {
                wantsWrite = false
                loop.setWantsWrite(self, false)
            }
        case 1:
            if !wantsWrite {
                wantsWrite = true
                loop.setWantsWrite(self, true)
            }
        default:
            fail(connectionError())
        }
    }

    /// When libpq cannot send everything at once it reads what the server sent meanwhile into its
    /// own buffer; the socket may then never turn readable for it, so results are drained here too.
    func writable() {
        flush()
        if !closed, operation != nil { readable() }
    }

    func readable() {
        guard !closed else { return }
        guard operation != nil else { return idleInputArrived() }
        guard PQconsumeInput(handle) == 1 else {
            if operation != nil {
                fail(connectionError())
            } else {
                flags.store(Self.broken, ordering: .releasing)
            }
            return
        }
        while operation != nil, PQisBusy(handle) == 0 {
            guard let result = PQgetResult(handle) else {
                stepFinished()
                continue
            }
            let status = PQresultStatus(result)
            if status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK || status == PGRES_EMPTY_QUERY {
                if let previous = operation?.stepResult { PQclear(previous) }
                operation?.stepResult = result
            } else {
                if operation?.error == nil { operation?.error = Self.error(from: result, status: status, handle: handle) }
                PQclear(result)
            }
        }
    }

    /// An idle session receives nothing unasked (the pool's sessions never LISTEN): a byte or
    /// the end of the stream means the backend is going away (a FATAL message, then the close).
    /// The session is marked broken at once, so that the pool never hands it out in the moment
    /// between the message and the close, when its socket looks quiet again. A wake-up with
    /// nothing to read changes nothing.
    private func idleInputArrived() {
        var byte: UInt8 = 0
        // Marked before reading: once read, the socket looks quiet to the pool's check.
        if recv(descriptor, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT)) >= 0 {
            flags.store(Self.broken, ordering: .releasing)
        }
        // Reading and parsing hands the server's message to the notice sink, which logs it.
        let consumed = PQconsumeInput(handle) == 1
        if consumed { _ = PQisBusy(handle) }
        while let notify = PQnotifies(handle) { PQfreemem(notify) }
        if !consumed || PQstatus(handle) != CONNECTION_OK { flags.store(Self.broken, ordering: .releasing) }
    }

    /// The current step's results are all in: record, then send the next step or complete.
    private func stepFinished() {
        guard let operation, operation.phase != .done else { return }
        let stepResult = operation.stepResult.take()
        switch operation.phase {
        case .prepare:
            if let stepResult { PQclear(stepResult) }
            if operation.error == nil, let key = operation.key, let name = operation.preparedName {
                remember(key, as: name, in: operation)
            }
        case .statement:
            operation.result = stepResult
            if let key = operation.key, let state = operation.error?.sqlState, state == "26000" || state == "0A000" {
                // The statement vanished (DISCARD ALL) or its plan no longer fits: prepare afresh next time.
                statements[key] = nil
                statementOrder.removeAll { $0 == key }
            }
        case .deallocate, .done:
            if let stepResult { PQclear(stepResult) }
        }
        operation.advance()
        if operation.error != nil && operation.phase != .deallocate {
            complete()
        } else {
            sendNextStep()
        }
    }

    private func remember(_ key: StatementKey, as name: String, in operation: ConnectionOperation) {
        statements[key] = name
        statementOrder.append(key)
        if statementOrder.count > cacheSize {
            let evicted = statementOrder.removeFirst()
            if let evictedName = statements.removeValue(forKey: evicted) {
                operation.deallocate = evictedName
            }
        }
    }

    private func fail(_ error: PostgresError) {
        guard let operation else { return }
        if operation.error == nil { operation.error = error }
        operation.phase = .done
        complete()
    }

    private func complete() {
        guard let operation else { return }
        self.operation = nil
        if let stepResult = operation.stepResult { PQclear(stepResult) }
        var bits: UInt8 = 0
        if closed || PQstatus(handle) != CONNECTION_OK { bits |= Self.broken }
        let transaction = closed ? PQTRANS_UNKNOWN : PQtransactionStatus(handle)
        if transaction != PQTRANS_IDLE { bits |= Self.inTransaction }
        flags.store(bits, ordering: .releasing)
        let outcome: Result<PostgresRows, any Error>
        if let error = operation.error {
            if let result = operation.result { PQclear(result) }
            outcome = .failure(error)
        } else if let result = operation.result {
            outcome = .success(PostgresRows(result: result))
        } else {
            outcome = .failure(PostgresError(code: .protocolViolation, message: "the server sent no result"))
        }
        let continuation = operation.continuation
        let cancelRequested = gate.finish(orHold: {
            { Self.resume(continuation, with: outcome, cancelRequested: true) }
        })
        if let cancelRequested { Self.resume(continuation, with: outcome, cancelRequested: cancelRequested) }
    }

    /// Hands the outcome to the awaiting task; a statement the server cancelled at the task's
    /// request ends in `CancellationError`.
    private static func resume(_ continuation: Continuation, with outcome: Result<PostgresRows, any Error>, cancelRequested: Bool) {
        if cancelRequested, case .failure(let error as PostgresError) = outcome, error.sqlState == SQLState.queryCanceled {
            continuation.resume(throwing: CancellationError())
        } else {
            continuation.resume(with: outcome)
        }
    }

    private func connectionError() -> PostgresError {
        PostgresError(code: .connectionClosed, message: String(cString: PQerrorMessage(handle)).trimmingNewlines())
    }

    static func error(from result: OpaquePointer, status: ExecStatusType, handle: OpaquePointer) -> PostgresError {
        func field(_ code: Int32) -> String? { PQresultErrorField(result, code).map { String(cString: $0) } }
        guard status == PGRES_FATAL_ERROR || status == PGRES_NONFATAL_ERROR else {
            return PostgresError(code: .protocolViolation, message: "unexpected result status \(status.rawValue)")
        }
        let sqlState = field(clibpq_diag_sqlstate())
        let lost = PQstatus(handle) != CONNECTION_OK
        return PostgresError(
            code: sqlState == nil && lost ? .connectionClosed : .server,
            sqlState: sqlState,
            message: field(clibpq_diag_message()) ?? String(cString: PQerrorMessage(handle)).trimmingNewlines(),
            detail: field(clibpq_diag_detail()), hint: field(clibpq_diag_hint()), schema: field(clibpq_diag_schema()),
            table: field(clibpq_diag_table()), column: field(clibpq_diag_column()),
            constraint: field(clibpq_diag_constraint()), severity: field(clibpq_diag_severity()))
    }
}

/// A prepared statement is reused only for the same text with the same parameter types.
struct StatementKey: Hashable {
    let sql: String
    let types: [PostgresDataType]

    /// The same bytes, not only the same text: Unicode equivalence would make two statements
    /// PostgreSQL tells apart (literals in NFC and NFD) share one, and break the byte hash below.
    static func == (left: StatementKey, right: StatementKey) -> Bool {
        guard left.types == right.types else { return false }
        var (a, b) = (left.sql, right.sql)
        return a.withUTF8 { x in
            b.withUTF8 { y in x.count == y.count && (x.isEmpty || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0) }
        }
    }

    /// Feeds the hasher one word mixed from the text eight bytes at a time: a cache lookup per
    /// statement then costs a third of SipHash over the whole text. The texts come from the
    /// code, not from users, so a weaker mix cannot be used to flood the cache.
    func hash(into hasher: inout Hasher) {
        var text = sql
        var mixed: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: types.count)
        text.withUTF8 { bytes in
            guard let base = bytes.baseAddress else { return }
            let words = bytes.count / 8
            let raw = UnsafeRawPointer(base)
            for index in 0..<words {
                mixed = Self.mix(mixed, raw.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self))
            }
            var tail: UInt64 = UInt64(truncatingIfNeeded: bytes.count)
            for index in (words * 8)..<bytes.count { tail = tail << 8 | UInt64(bytes[index]) }
            mixed = Self.mix(mixed, tail)
        }
        for type in types { mixed = Self.mix(mixed, UInt64(truncatingIfNeeded: type.rawValue)) }
        hasher.combine(mixed)
    }

    private static func mix(_ state: UInt64, _ word: UInt64) -> UInt64 {
        let product = (state ^ word).multipliedFullWidth(by: 0xA076_1D64_78BD_642F)
        return product.high ^ product.low
    }
}
