import Logging
import Postgres

/// Applies a service's migrations to its schema.
///
/// All of it runs in one transaction under a transaction-level advisory lock per schema, so
/// replicas starting together apply each migration exactly once, and a failed migration leaves
/// nothing behind. Each applied migration is recorded in `<schema>.schema_migrations` with the
/// SHA-256 of its text; a changed or unknown applied migration stops the migrator with an error.
public struct Migrator: Sendable {
    public let schema: String
    public let migrations: [Migration]
    private let logger: Logger

    public init(schema: String, migrations: [Migration], logger: Logger) {
        self.schema = schema
        self.migrations = migrations
        self.logger = logger
    }

    /// What a run did.
    public struct Report: Sendable, Equatable {
        public let applied: [Int]
        public let alreadyApplied: Int
    }

    /// Applies the pending migrations on a connection from `client`.
    @discardableResult
    public func migrate(_ client: PostgresClient) async throws -> Report {
        try await client.withConnection { try await migrate(on: $0) }
    }

    /// Applies the pending migrations on `connection`, which must not be inside a transaction.
    @discardableResult
    public func migrate(on connection: PostgresConnection) async throws -> Report {
        try await connection.withTransaction { connection in
            // "already exists, skipping" notices on every start are noise.
            try await connection.query("SET LOCAL client_min_messages = warning")
            try await connection.query("SELECT pg_advisory_xact_lock(hashtextextended(\("recovery.migrations." + schema), 0))")
            let usable = try await connection.query(
                "SELECT has_schema_privilege(\(schema), 'CREATE') FROM pg_namespace WHERE nspname = \(schema)")
            guard let row = usable.first, try row.decode(Bool.self, at: 0) else { throw MigrationError.schemaMissing(schema) }
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS \(identifier: schema).schema_migrations (
                    version integer PRIMARY KEY,
                    name text NOT NULL,
                    checksum text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now(),
                    duration_ms integer NOT NULL
                )
                """)
            let applied = try await connection.query(
                "SELECT version, name, checksum FROM \(identifier: schema).schema_migrations ORDER BY version")
            let shipped = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0) })
            for row in applied {
                let (version, name, checksum) = try row.decode((Int, String, String).self)
                guard let migration = shipped[version] else {
                    throw MigrationError.unknownAppliedMigration(schema: schema, version: version, name: name)
                }
                let expected = try await Self.checksum(of: migration, on: connection)
                guard expected == checksum else {
                    throw MigrationError.checksumMismatch(
                        schema: schema, version: version, name: migration.name, applied: checksum, shipped: expected)
                }
            }
            let done = Set(try applied.map { try $0.decode(Int.self, at: 0) })
            var newlyApplied: [Int] = []
            for migration in migrations where !done.contains(migration.version) {
                let start = ContinuousClock.now
                try await connection.query("SELECT set_config('search_path', \(PostgresQuery.quoteIdentifier(schema)), true)")
                try await connection.execute(script: migration.sql)
                let elapsed = ContinuousClock.now - start
                let milliseconds = Int(elapsed.inMilliseconds)
                let checksum = try await Self.checksum(of: migration, on: connection)
                try await connection.query(
                    """
                    INSERT INTO \(identifier: schema).schema_migrations (version, name, checksum, duration_ms)
                    VALUES (\(migration.version), \(migration.name), \(checksum), \(milliseconds))
                    """)
                logger.info(
                    "Applied migration",
                    metadata: ["migration.schema": "\(schema)", "migration.version": "\(migration.version)", "migration.name": "\(migration.name)"])
                newlyApplied.append(migration.version)
            }
            return Report(applied: newlyApplied, alreadyApplied: done.count)
        }
    }

    /// True when every shipped migration is recorded as applied (for readiness checks).
    public func isUpToDate(_ client: PostgresClient) async throws -> Bool {
        let rows = try await client.query(
            "SELECT count(*) FROM \(identifier: schema).schema_migrations WHERE version = ANY(\(migrations.map(\.version)))")
        return try rows.first?.decode(Int.self, at: 0) == migrations.count
    }

    /// SHA-256 of the migration's text, hex, computed by the server (no crypto dependency here).
    static func checksum(of migration: Migration, on connection: PostgresConnection) async throws -> String {
        let rows = try await connection.query("SELECT encode(sha256(convert_to(\(migration.sql), 'UTF8')), 'hex')")
        return try rows.first!.decode(String.self, at: 0)
    }
}
