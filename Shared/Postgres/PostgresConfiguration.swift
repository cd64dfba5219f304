import CLibPQ

/// Where and how to connect, and how the pool behaves.
///
/// `connectionString` is whatever libpq accepts: a `postgresql://` URL or `key=value` conninfo,
/// with TLS settings (`sslmode`, `sslrootcert`…) passed through to libpq unchanged. Every
/// connection additionally runs with `TimeZone=UTC`, `DateStyle=ISO`, UTF-8 and the
/// configured `search_path` and `statement_timeout`.
public struct PostgresConfiguration: Sendable {
    public var connectionString: String
    /// conninfo keywords that replace those in `connectionString` (`user`, `dbname`…).
    public var overrides: [String: String]
    /// Shown in `pg_stat_activity.application_name`.
    public var applicationName: String
    /// Schemas for unqualified names; empty keeps the server's default.
    public var searchPath: [String]
    /// The server cancels any statement running longer; nil for no limit.
    public var statementTimeout: Duration?
    public var connectTimeout: Duration
    /// Statements kept prepared per connection (keyed by SQL text and parameter types); 0 disables.
    public var preparedStatementCacheSize: Int
    /// Upper bound of open connections in a `PostgresClient`.
    public var poolSize: Int
    /// How long a caller waiting for a connection waits while no waiter is served before failing
    /// with `.poolTimeout` (see `PostgresClient`).
    public var poolTimeout: Duration

    public init(
        connectionString: String,
        overrides: [String: String] = [:],
        applicationName: String = "recovery",
        searchPath: [String] = [],
        statementTimeout: Duration? = .seconds(30),
        connectTimeout: Duration = .seconds(5),
        preparedStatementCacheSize: Int = 128,
        poolSize: Int = 10,
        poolTimeout: Duration = .seconds(5)
    ) {
        self.connectionString = connectionString
        self.overrides = overrides
        self.applicationName = applicationName
        self.searchPath = searchPath
        self.statementTimeout = statementTimeout
        self.connectTimeout = connectTimeout
        self.preparedStatementCacheSize = preparedStatementCacheSize
        self.poolSize = poolSize
        self.poolTimeout = poolTimeout
    }

    /// Parses `connectionString` and applies `overrides`; throws `.invalidConfiguration` naming
    /// libpq's complaint (which never contains the password).
    public func parameters() throws -> [(key: String, value: String)] {
        var parsed = try Self.parse(connectionString)
        for (key, value) in overrides {
            parsed.removeAll { $0.key == key }
            parsed.append((key, value))
        }
        // libpq checks the port only when connecting; a typo should fail at start-up instead.
        if let port = parsed.first(where: { $0.key == "port" })?.value,
            !port.split(separator: ",", omittingEmptySubsequences: false).allSatisfy({ UInt16($0) != nil })
        {
            throw PostgresError(code: .invalidConfiguration, message: "the port must be a number from 1 to 65535")
        }
        return parsed
    }

    /// The final libpq keywords for a connection, with the session settings appended to `options`.
    func connectionParameters() throws -> [(key: String, value: String)] {
        var parameters = try self.parameters()
        var options = parameters.first { $0.key == "options" }?.value ?? ""
        parameters.removeAll { ["options", "client_encoding", "application_name", "connect_timeout"].contains($0.key) }
        var settings = ["-c TimeZone=UTC", "-c DateStyle=ISO", "-c IntervalStyle=iso_8601"]
        if !searchPath.isEmpty {
            // Spaces inside options must be backslash-escaped.
            settings.append("-c search_path=" + searchPath.map { PostgresQuery.quoteIdentifier($0) }.joined(separator: ",\\ "))
        }
        if let statementTimeout {
            settings.append("-c statement_timeout=\(statementTimeout.inMilliseconds)")
        }
        options = ([options] + settings).filter { !$0.isEmpty }.joined(separator: " ")
        parameters.append(("options", options))
        parameters.append(("client_encoding", "UTF8"))
        parameters.append(("application_name", applicationName))
        parameters.append(("connect_timeout", String(max(1, connectTimeout.inMilliseconds / 1000))))
        return parameters
    }

    /// The settings as one `key=value` conninfo string (values quoted as libpq requires).
    public func conninfo() throws -> String {
        try parameters().map { "\($0.key)='\($0.value.replacingBackslashesAndQuotes())'" }.joined(separator: " ")
    }

    private static func parse(_ connectionString: String) throws -> [(key: String, value: String)] {
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(connectionString, &errorMessage) else {
            let message = errorMessage.map { String(cString: $0) } ?? "cannot parse the connection string"
            if let errorMessage { PQfreemem(errorMessage) }
            throw PostgresError(code: .invalidConfiguration, message: message.trimmingNewlines())
        }
        defer { PQconninfoFree(options) }
        var result: [(key: String, value: String)] = []
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val {
                result.append((String(cString: keyword), String(cString: value)))
            }
            option += 1
        }
        return result
    }
}

extension String {
    func trimmingNewlines() -> String {
        var text = self
        while text.last == "\n" { text.removeLast() }
        return text
    }

    fileprivate func replacingBackslashesAndQuotes() -> String {
        var out = ""
        for character in self {
            if character == "\\" || character == "'" { out.append("\\") }
            out.append(character)
        }
        return out
    }
}
