import Foundation
import Logging
import Postgres

/// A fresh database in the test cluster, set up like production by `deploy/sql/setup.sql`.
///
/// The cluster is started by `deploy/local/test.sh`, which exports `TEST_DATABASE_URL`, a
/// superuser URL. Each test or suite creates its own database, so tests never share state.
public struct TestDatabase: Sendable {
    public let name: String
    public let adminURL: String

    /// Refers to an existing database `name` in the cluster at `adminURL`.
    public init(name: String, adminURL: String) {
        self.name = name
        self.adminURL = adminURL
    }

    /// The repository's root folder.
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static var clusterURL: String {
        get throws {
            guard let url = ProcessInfo.processInfo.environment["TEST_DATABASE_URL"] else {
                throw TestSupportError("TEST_DATABASE_URL is not set: run the tests with deploy/local/test.sh")
            }
            return url
        }
    }

    /// Creates database `t_<label>_<random>` and runs the role and schema set-up in it.
    public static func create(_ label: String) async throws -> TestDatabase {
        let adminURL = try clusterURL
        let name = "t_\(label.lowercased().filter { $0.isLetter || $0.isNumber || $0 == "_" })_\(UInt32.random(in: 0...UInt32.max))"
        let admin = try await PostgresConnection.connect(
            configuration: PostgresConfiguration(connectionString: adminURL), logger: .test)
        do {
            try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(PostgresQuery.quoteIdentifier(name))"))
            await admin.close()
        } catch {
            await admin.close()
            throw error
        }
        let database = TestDatabase(name: name, adminURL: adminURL)
        let setup = try String(contentsOf: repositoryRoot.appending(path: "deploy/sql/setup.sql"), encoding: .utf8)
        let connection = try await database.connect()
        do {
            try await connection.execute(script: setup)
            await connection.close()
        } catch {
            await connection.close()
            throw error
        }
        return database
    }

    /// Settings for this database as `role` (the superuser when nil).
    public func configuration(role: String? = nil, searchPath: [String] = [], poolSize: Int = 4) -> PostgresConfiguration {
        var overrides = ["dbname": name]
        if let role { overrides["user"] = role }
        return PostgresConfiguration(
            connectionString: adminURL, overrides: overrides, applicationName: "tests", searchPath: searchPath,
            poolSize: poolSize, poolTimeout: .seconds(10))
    }

    /// A conninfo string for this database as `role`, for a child process's `DATABASE_URL`.
    public func conninfo(role: String) throws -> String {
        try configuration(role: role).conninfo()
    }

    /// A single connection (superuser unless `role` is given).
    public func connect(role: String? = nil, searchPath: [String] = []) async throws -> PostgresConnection {
        try await PostgresConnection.connect(configuration: configuration(role: role, searchPath: searchPath), logger: .test)
    }

    /// A pool on this database.
    public func client(role: String? = nil, searchPath: [String] = [], poolSize: Int = 4, logger: Logger = .test) -> PostgresClient {
        PostgresClient(configuration: configuration(role: role, searchPath: searchPath, poolSize: poolSize), logger: logger)
    }

    /// Drops the database, disconnecting whoever is still on it.
    public func drop() async {
        guard
            let admin = try? await PostgresConnection.connect(
                configuration: PostgresConfiguration(connectionString: adminURL), logger: .test)
        else { return }
        _ = try? await admin.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(PostgresQuery.quoteIdentifier(name)) WITH (FORCE)"))
        await admin.close()
    }
}

/// Runs `body` with a fresh database and drops it afterwards.
public func withTestDatabase<T>(
    _ label: String, isolation: isolated (any Actor)? = #isolation, _ body: (TestDatabase) async throws -> T
) async throws -> T {
    let database = try await TestDatabase.create(label)
    do {
        let value = try await body(database)
        await database.drop()
        return value
    } catch {
        await database.drop()
        throw error
    }
}

public struct TestSupportError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension Logger {
    /// A logger for tests: warnings and above to standard error, and with `TEST_LOG_FILE` set,
    /// everything from `TEST_LOG_LEVEL` (default debug) on to that file for the secrets scan.
    public static let test: Logger = {
        guard TestLogFile.log != nil else {
            var logger = Logger(label: "tests") { StreamLogHandler.standardError(label: $0) }
            logger.logLevel = .warning
            return logger
        }
        // Each handler keeps its own level (setting the logger's would set both).
        return Logger(label: "tests") { label in
            var standardError = StreamLogHandler.standardError(label: label)
            standardError.logLevel = .warning
            return MultiplexLogHandler([standardError, FileLogHandler(label: label)])
        }
    }()
}
