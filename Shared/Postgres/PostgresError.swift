/// An error from the PostgreSQL client: a server error with its SQLSTATE and fields, a lost
/// connection, a pool that timed out, or a value that could not be decoded.
///
/// `description` never includes the server's message or detail, since both can quote the values
/// of the statement (personal data). Use `debugDescription` (`String(reflecting:)`) for those,
/// only where logs may hold personal data.
public struct PostgresError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// What went wrong, without any data.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Base: String, Sendable {
            case connectionFailed, connectionClosed, server, poolTimeout, poolShutDown, protocolViolation
            case invalidConfiguration, invalidParameter
        }
        let base: Base
        public static let connectionFailed = Code(base: .connectionFailed)
        public static let connectionClosed = Code(base: .connectionClosed)
        public static let server = Code(base: .server)
        public static let poolTimeout = Code(base: .poolTimeout)
        public static let poolShutDown = Code(base: .poolShutDown)
        public static let protocolViolation = Code(base: .protocolViolation)
        public static let invalidConfiguration = Code(base: .invalidConfiguration)
        /// A parameter PostgreSQL cannot take as sent (text holding NUL); nothing was sent.
        public static let invalidParameter = Code(base: .invalidParameter)
        public var description: String { base.rawValue }
    }

    public let code: Code
    /// The five-character SQLSTATE for server errors (`23505` for a unique violation).
    public let sqlState: String?
    /// The server's primary message or the client's explanation. May quote values.
    public let message: String?
    /// The server's detail. May quote values (for example the duplicate key).
    public let detail: String?
    public let hint: String?
    public let schema: String?
    public let table: String?
    public let column: String?
    public let constraint: String?
    /// Severity as sent by the server (`ERROR`, `FATAL`), not localized.
    public let severity: String?

    init(
        code: Code, sqlState: String? = nil, message: String? = nil, detail: String? = nil,
        hint: String? = nil, schema: String? = nil, table: String? = nil, column: String? = nil,
        constraint: String? = nil, severity: String? = nil
    ) {
        self.code = code
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.hint = hint
        self.schema = schema
        self.table = table
        self.column = column
        self.constraint = constraint
        self.severity = severity
    }

    public var description: String {
        var parts = ["code: \(code)"]
        // What a failed connection or configuration says names the server, never a person's data
        // (nor a password: libpq does not repeat it).
        if code == .connectionFailed || code == .invalidConfiguration || code == .invalidParameter, let message {
            parts.append("message: \(message)")
        }
        if let sqlState { parts.append("sqlState: \(sqlState)") }
        if let table { parts.append("table: \(table)") }
        if let column { parts.append("column: \(column)") }
        if let constraint { parts.append("constraint: \(constraint)") }
        return "PostgresError(\(parts.joined(separator: ", ")))"
    }

    public var debugDescription: String {
        var text = description
        if let message { text += " message: \(message)" }
        if let detail { text += " detail: \(detail)" }
        if let hint { text += " hint: \(hint)" }
        return text
    }

    /// True when the connection can no longer be used (it was closed or never opened).
    public var isConnectionError: Bool {
        code == .connectionFailed || code == .connectionClosed
            || (sqlState?.hasPrefix("08") ?? false) || sqlState == "57P01" || sqlState == "57P02"
            || sqlState == "57P03"
    }

    /// Why the database cannot serve a statement now, when that is the failure: no connection
    /// (down, restarting, refused), none free in time, the server's connection limit, its disk or
    /// memory full, or a statement cancelled by its timeout. `retrySafe`: nothing of the request
    /// was committed (the statement never ran, or failed and was rolled back), so repeating it is
    /// safe; false when the connection was lost while a statement ran, whose outcome is unknown.
    /// nil for errors of the statement itself (a constraint, a syntax error).
    public var unavailability: (reason: String, retrySafe: Bool)? {
        switch sqlState {
        case "53300": return ("the database's connection limit is reached", true)
        case "53100": return ("the database's disk is full", true)
        case "53200": return ("the database is out of memory", true)
        case "57014": return ("a statement took longer than its timeout", true)
        case "57P01", "57P02", "57P03": return ("the database is shutting down or starting", true)
        // A hot standby (DATABASE_READ_URL) cancels a read that holds up its replay for too long
        // (`max_standby_streaming_delay`), e.g. behind a lock the primary took; the read may be retried.
        case "40001" where message?.contains("conflict with recovery") == true:
            return ("the standby's replay of the primary cancelled the read", true)
        default: break
        }
        switch code {
        case .connectionFailed:
            if let message, message.contains("too many connections") || message.contains("connection slots") {
                return ("the database's connection limit is reached", true)
            }
            return ("the database cannot be reached", true)
        case .poolTimeout: return ("no database connection became free in time", true)
        case .poolShutDown: return ("the service is shutting down", true)
        default: break
        }
        if isConnectionError { return ("the connection to the database was lost while the request ran", false) }
        return nil
    }
}

/// Well-known SQLSTATE values.
public enum SQLState {
    public static let uniqueViolation = "23505"
    public static let foreignKeyViolation = "23503"
    public static let checkViolation = "23514"
    public static let notNullViolation = "23502"
    public static let serializationFailure = "40001"
    public static let deadlockDetected = "40P01"
    public static let queryCanceled = "57014"
    public static let insufficientPrivilege = "42501"
    public static let undefinedTable = "42P01"
    public static let adminShutdown = "57P01"
}
