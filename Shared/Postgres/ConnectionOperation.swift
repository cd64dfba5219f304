import CLibPQ

/// One call's work on a connection, on the loop thread from start to completion: an optional
/// prepare, the statement (or script), and the deallocation of a statement the cache evicted.
///
/// A class, so that the loop moves a pointer rather than copying the statement, its parameters
/// and a possible error between its steps.
final class ConnectionOperation {
    /// The statement's part of the work.
    enum Kind {
        /// Executes the statement prepared under this name on the connection.
        case prepared(name: String)
        /// Sends the statement with its parameters, planned for these values alone.
        case unprepared
        /// Sends a script of statements without parameters (simple query protocol).
        case script
    }

    /// Where the operation stands; steps that do not apply are skipped.
    enum Phase {
        case prepare
        case statement
        case deallocate
        case done
    }

    /// The task awaiting the result.
    typealias Continuation = UnsafeContinuation<PostgresRows, any Error>

    let sql: String
    let values: [String?]
    let types: [PostgresDataType]
    let kind: Kind
    /// The prepared statement's cache key: remembered once its prepare succeeds, forgotten when
    /// the server lost it.
    let key: StatementKey?
    let continuation: Continuation

    var phase: Phase
    /// A statement the cache evicted, to deallocate after the statement.
    var deallocate: String?
    /// The statement's result, once in.
    var result: OpaquePointer?
    /// The result of the step in progress (libpq may deliver several; the last one counts).
    var stepResult: OpaquePointer?
    var error: PostgresError?

    init(
        sql: String, values: [String?] = [], types: [PostgresDataType] = [], kind: Kind, key: StatementKey? = nil,
        prepares: Bool = false, continuation: Continuation
    ) {
        self.sql = sql
        self.values = values
        self.types = types
        self.kind = kind
        self.key = key
        self.continuation = continuation
        self.phase = prepares ? .prepare : .statement
    }

    /// The prepared statement's name while preparing it.
    var preparedName: String? {
        if case .prepared(let name) = kind { return name }
        return nil
    }

    /// Moves past the step just finished.
    func advance() {
        switch phase {
        case .prepare: phase = .statement
        case .statement: phase = deallocate == nil ? .done : .deallocate
        case .deallocate, .done: phase = .done
        }
    }
}
