import Audit
import Configuration
import Foundation
import SystemPackage
import Logging
import Postgres

/// Everything a service executable reads from its environment (and an optional `.env` file in
/// the working directory; real environment variables win). See the README for the table.
public struct ServiceConfiguration: Sendable {
    public enum LogFormat: String, Sendable { case json, text }

    public var databaseURL: String
    /// A hot standby of the same cluster for reads that may lag a little (`DATABASE_READ_URL`;
    /// the registry's people searches, the statistics' indicator values and exports); nil: the primary.
    public var databaseReadURL: String?
    public var host: String
    public var port: Int
    public var logLevel: Logger.Level
    public var logFormat: LogFormat
    public var poolSize: Int
    public var poolTimeout: Duration
    /// nil when `DATABASE_STATEMENT_TIMEOUT_MS=0`.
    public var statementTimeout: Duration?
    public var connectTimeout: Duration
    public var shutdownGrace: Duration
    /// How long a token check is cached: the longest a revoked token keeps working (at most 60 s).
    public var authCacheLifetime: Duration
    /// How long a session token issued by the registry is valid.
    public var sessionLifetime: Duration
    /// The largest people import the registry takes, in bytes (413 above it).
    public var importMaxBytes: Int
    /// Treatment: how many days after the last contact (or the start) an after-care contact falls
    /// due; the commune's deadline list shows those overdue.
    public var aftercareContactDays: Int
    /// Statistics: whether the dashboard's cookies carry `Secure` (sent over HTTPS only; browsers
    /// also keep them for `http://localhost`).
    public var dashboardCookieSecure: Bool
    /// Registry: the key that seals each audit link (`AUDIT_SEAL_KEY`, or the contents of
    /// `AUDIT_SEAL_KEY_FILE`), never sent to the database; nil: links are sealed without one.
    public var auditSealKey: Data?
    /// Registry: where the sealer writes the audit trail's head and `audit verify` reads it.
    public var auditAnchorFile: String?

    /// The audit trail's anchor outside the database.
    public var auditAnchor: AuditAnchor { AuditAnchor(key: auditSealKey, headFile: auditAnchorFile) }

    /// The variables whose values never reach a log (they may hold passwords or keys).
    static let secretVariables: Set<String> = ["DATABASE_URL", "DATABASE_READ_URL", "AUDIT_SEAL_KEY"]

    /// Reads and validates; throws `ConfigurationError` naming the first bad variable.
    public static func load(service: ServiceDescriptor, environment: [String: String]? = nil) async throws -> ServiceConfiguration {
        let secrets = SecretsSpecifier<String, String>.specific(secretVariables)
        var providers: [any ConfigProvider] = []
        if let environment {
            providers.append(EnvironmentVariablesProvider(environmentVariables: environment, secretsSpecifier: secrets))
        } else {
            providers.append(EnvironmentVariablesProvider(secretsSpecifier: secrets))
            providers.append(try await EnvironmentVariablesProvider(environmentFilePath: ".env", allowMissing: true, secretsSpecifier: secrets))
        }
        let reader = ConfigReader(providers: providers)
        func value(_ variable: String) -> String? {
            let key = ConfigKey(variable.lowercased().split(separator: "_").map(String.init))
            return reader.string(forKey: key, isSecret: secretVariables.contains(variable))
        }
        return try ServiceConfiguration(service: service, value: value)
    }

    init(service: ServiceDescriptor, value: (String) -> String?) throws {
        databaseURL = value("DATABASE_URL") ?? "postgresql://\(service.role)@localhost:5432/recovery"
        try Self.checkConnectionString(databaseURL, variable: "DATABASE_URL")
        databaseReadURL = value("DATABASE_READ_URL").flatMap { $0.isEmpty ? nil : $0 }
        if let databaseReadURL { try Self.checkConnectionString(databaseReadURL, variable: "DATABASE_READ_URL") }
        host = value("HOST") ?? "0.0.0.0"
        guard !host.isEmpty else { throw ConfigurationError(variable: "HOST", problem: "must not be empty") }
        port = try Self.integer("PORT", value("PORT"), default: service.defaultPort, range: 0...65535)
        let level = value("LOG_LEVEL") ?? "info"
        guard let parsedLevel = Logger.Level(rawValue: level.lowercased()) else {
            throw ConfigurationError(
                variable: "LOG_LEVEL", problem: "expected one of trace, debug, info, notice, warning, error, critical; got '\(level)'")
        }
        logLevel = parsedLevel
        let format = value("LOG_FORMAT") ?? "json"
        guard let parsedFormat = LogFormat(rawValue: format.lowercased()) else {
            throw ConfigurationError(variable: "LOG_FORMAT", problem: "expected json or text; got '\(format)'")
        }
        logFormat = parsedFormat
        poolSize = try Self.integer("DATABASE_POOL_SIZE", value("DATABASE_POOL_SIZE"), default: 10, range: 1...500)
        poolTimeout = .milliseconds(
            try Self.integer("DATABASE_POOL_TIMEOUT_MS", value("DATABASE_POOL_TIMEOUT_MS"), default: 5000, range: 1...600_000))
        let statement = try Self.integer(
            "DATABASE_STATEMENT_TIMEOUT_MS", value("DATABASE_STATEMENT_TIMEOUT_MS"), default: 30_000, range: 0...86_400_000)
        statementTimeout = statement == 0 ? nil : .milliseconds(statement)
        connectTimeout = .seconds(try Self.integer("DATABASE_CONNECT_TIMEOUT_S", value("DATABASE_CONNECT_TIMEOUT_S"), default: 5, range: 1...300))
        shutdownGrace = .seconds(try Self.integer("SHUTDOWN_GRACE_S", value("SHUTDOWN_GRACE_S"), default: 10, range: 0...600))
        authCacheLifetime = .seconds(try Self.integer("AUTH_CACHE_TTL_S", value("AUTH_CACHE_TTL_S"), default: 30, range: 0...60))
        sessionLifetime = .seconds(try Self.integer("AUTH_SESSION_TTL_S", value("AUTH_SESSION_TTL_S"), default: 28_800, range: 60...604_800))
        importMaxBytes = try Self.integer("IMPORT_MAX_MB", value("IMPORT_MAX_MB"), default: 128, range: 1...1024) << 20
        aftercareContactDays = try Self.integer("AFTERCARE_CONTACT_DAYS", value("AFTERCARE_CONTACT_DAYS"), default: 30, range: 1...365)
        // Read by the client's I/O threads from the process environment (not `.env`); checked here.
        _ = try Self.integer("DATABASE_IO_THREADS", value("DATABASE_IO_THREADS"), default: 1, range: 1...256)
        switch value("DASHBOARD_COOKIE_SECURE")?.lowercased() {
        case nil, "true", "1": dashboardCookieSecure = true
        case "false", "0": dashboardCookieSecure = false
        case let other?: throw ConfigurationError(variable: "DASHBOARD_COOKIE_SECURE", problem: "expected true or false; got '\(other)'")
        }
        auditSealKey = try Self.sealKey(text: value("AUDIT_SEAL_KEY"), file: value("AUDIT_SEAL_KEY_FILE"))
        auditAnchorFile = value("AUDIT_ANCHOR_FILE").flatMap { $0.isEmpty ? nil : $0 }
        if let auditAnchorFile, !auditAnchorFile.hasPrefix("/") {
            throw ConfigurationError(variable: "AUDIT_ANCHOR_FILE", problem: "must be an absolute path; got '\(auditAnchorFile)'")
        }
    }

    private static func checkConnectionString(_ text: String, variable: String) throws {
        do {
            _ = try PostgresConfiguration(connectionString: text).parameters()
        } catch let error as PostgresError {
            throw ConfigurationError(variable: variable, problem: "not a valid libpq URL or conninfo (\(error.message ?? "unparsable"))")
        }
    }

    /// The audit seal key from the variable or from the file it names (a container secret); at
    /// least 32 bytes (`openssl rand -hex 32` gives 64), surrounding whitespace dropped.
    private static func sealKey(text: String?, file: String?) throws -> Data? {
        let key: String
        let variable: String
        switch (text.flatMap { $0.isEmpty ? nil : $0 }, file.flatMap { $0.isEmpty ? nil : $0 }) {
        case (nil, nil): return nil
        case (_?, _?):
            throw ConfigurationError(variable: "AUDIT_SEAL_KEY_FILE", problem: "set either AUDIT_SEAL_KEY or AUDIT_SEAL_KEY_FILE, not both")
        case (let text?, nil):
            (key, variable) = (text, "AUDIT_SEAL_KEY")
        case (nil, let path?):
            guard let data = FileManager.default.contents(atPath: path), let contents = String(data: data, encoding: .utf8) else {
                throw ConfigurationError(variable: "AUDIT_SEAL_KEY_FILE", problem: "cannot read '\(path)' as UTF-8 text")
            }
            (key, variable) = (contents, "AUDIT_SEAL_KEY_FILE")
        }
        let trimmed = key.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.utf8.count >= 32 else {
            throw ConfigurationError(
                variable: variable, problem: "the key must be at least 32 bytes (openssl rand -hex 32); got \(trimmed.utf8.count)")
        }
        return Data(trimmed.utf8)
    }

    /// The database settings for this service's pool: its schema first on the search path.
    public func postgres(for service: ServiceDescriptor) -> PostgresConfiguration {
        PostgresConfiguration(
            connectionString: databaseURL,
            applicationName: service.name,
            searchPath: [service.schema],
            statementTimeout: statementTimeout,
            connectTimeout: connectTimeout,
            poolSize: poolSize,
            poolTimeout: poolTimeout)
    }

    /// The settings of the read standby's pool (`databaseReadURL`), named `<service>-reads`; nil without one.
    public func postgresReads(for service: ServiceDescriptor) -> PostgresConfiguration? {
        guard let databaseReadURL else { return nil }
        var reads = postgres(for: service)
        reads.connectionString = databaseReadURL
        reads.applicationName = service.name + "-reads"
        return reads
    }

    private static func integer(_ variable: String, _ text: String?, default defaultValue: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text else { return defaultValue }
        guard let number = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(number) else {
            throw ConfigurationError(
                variable: variable, problem: "expected a whole number from \(range.lowerBound) to \(range.upperBound); got '\(text)'")
        }
        return number
    }
}
