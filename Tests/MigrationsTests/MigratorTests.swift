import Foundation
import Migrations
import Postgres
import TestSupport
import Testing

@Suite("Schema migrations", .timeLimit(.minutes(1)))
struct MigratorTests {
    let migrations = [
        Migration(version: 1, name: "create_person", sql: "CREATE TABLE person (id bigint PRIMARY KEY, name text NOT NULL);"),
        Migration(
            version: 2, name: "add_birth_date",
            sql:
                "ALTER TABLE person ADD COLUMN birth_date date; CREATE TABLE applied_log (at timestamptz DEFAULT now());  INSERT INTO applied_log DEFAULT VALUES;"
        ),
    ]

    @Test func appliesInOrderOnceAndRecordsChecksums() async throws {
        try await withTestDatabase("migrate_once") { database in
            let client = database.client(role: "registry", searchPath: ["registry"])
            let migrator = Migrator(schema: "registry", migrations: migrations, logger: .test)
            let first = try await migrator.migrate(client)
            #expect(first.applied == [1, 2] && first.alreadyApplied == 0)
            let second = try await migrator.migrate(client)
            #expect(second.applied.isEmpty && second.alreadyApplied == 2)
            #expect(try await migrator.isUpToDate(client))
            let rows = try await client.query("SELECT version, name, length(checksum) FROM registry.schema_migrations ORDER BY version")
            let recorded = try rows.map { try $0.decode((Int, String, Int).self) }
            #expect(recorded.map(\.0) == [1, 2])
            #expect(recorded.map(\.1) == ["create_person", "add_birth_date"])
            #expect(recorded.allSatisfy { $0.2 == 64 })
            // The tables belong to the service's role, in its schema.
            let owner = try await client.query("SELECT tableowner FROM pg_tables WHERE schemaname = 'registry' AND tablename = 'person'")
            #expect(try owner[0].decode(String.self, at: 0) == "registry")
            await client.shutdown()
        }
    }

    @Test func concurrentMigratorsApplyEachMigrationExactlyOnce() async throws {
        try await withTestDatabase("migrate_concurrent") { database in
            let clients = (0..<4).map { _ in database.client(role: "treatment", searchPath: ["treatment"]) }
            let slow = migrations + [Migration(version: 3, name: "slow", sql: "SELECT pg_sleep(0.3); INSERT INTO applied_log DEFAULT VALUES;")]
            let reports = try await withThrowingTaskGroup(of: Migrator.Report.self) { group in
                for client in clients {
                    group.addTask {
                        try await Migrator(schema: "treatment", migrations: slow, logger: .test).migrate(client)
                    }
                }
                var all: [Migrator.Report] = []
                for try await report in group { all.append(report) }
                return all
            }
            #expect(reports.filter { $0.applied == [1, 2, 3] }.count == 1)
            #expect(reports.filter { $0.applied.isEmpty && $0.alreadyApplied == 3 }.count == 3)
            let log = try await clients[0].query("SELECT count(*) FROM treatment.applied_log")
            #expect(try log[0].decode(Int.self, at: 0) == 2)
            for client in clients { await client.shutdown() }
        }
    }

    @Test func refusesAChangedMigration() async throws {
        try await withTestDatabase("migrate_checksum") { database in
            let client = database.client(role: "referrals", searchPath: ["referrals"])
            try await Migrator(schema: "referrals", migrations: migrations, logger: .test).migrate(client)
            var edited = migrations
            edited[0] = Migration(version: 1, name: "create_person", sql: migrations[0].sql + "\n-- edited later")
            let error = await #expect(throws: MigrationError.self) {
                try await Migrator(schema: "referrals", migrations: edited, logger: .test).migrate(client)
            }
            guard case .checksumMismatch(let schema, let version, _, _, _) = error else {
                Issue.record("expected a checksum mismatch, got \(String(describing: error))")
                return
            }
            #expect(schema == "referrals" && version == 1)
            #expect(error?.description.contains("was changed after it was applied") == true)
            await client.shutdown()
        }
    }

    @Test func refusesAnUnknownAppliedMigration() async throws {
        try await withTestDatabase("migrate_unknown") { database in
            let client = database.client(role: "statistics", searchPath: ["statistics"])
            try await Migrator(schema: "statistics", migrations: migrations, logger: .test).migrate(client)
            let error = await #expect(throws: MigrationError.self) {
                try await Migrator(schema: "statistics", migrations: Array(migrations.prefix(1)), logger: .test).migrate(client)
            }
            #expect(error == .unknownAppliedMigration(schema: "statistics", version: 2, name: "add_birth_date"))
            await client.shutdown()
        }
    }

    @Test func aFailingMigrationLeavesNothingBehind() async throws {
        try await withTestDatabase("migrate_failure") { database in
            let client = database.client(role: "registry", searchPath: ["registry"])
            let broken = migrations + [Migration(version: 3, name: "broken", sql: "CREATE TABLE half (id int); SELECT no_such_function();")]
            await #expect(throws: PostgresError.self) {
                try await Migrator(schema: "registry", migrations: broken, logger: .test).migrate(client)
            }
            let tables = try await client.query("SELECT count(*) FROM pg_tables WHERE schemaname = 'registry'")
            #expect(try tables[0].decode(Int.self, at: 0) == 0)
            // Fixing the migration and retrying applies everything.
            let fixed = migrations + [Migration(version: 3, name: "broken", sql: "CREATE TABLE half (id int);")]
            let report = try await Migrator(schema: "registry", migrations: fixed, logger: .test).migrate(client)
            #expect(report.applied == [1, 2, 3])
            await client.shutdown()
        }
    }

    @Test func aMissingSchemaSaysWhatToRun() async throws {
        try await withTestDatabase("migrate_noschema") { database in
            let client = database.client(role: "registry")
            let error = await #expect(throws: MigrationError.self) {
                try await Migrator(schema: "nowhere", migrations: migrations, logger: .test).migrate(client)
            }
            #expect(error == .schemaMissing("nowhere"))
            #expect(error?.description.contains("setup.sql") == true)
            await client.shutdown()
        }
    }

    @Test func loadsNumberedFilesAndRejectsBadNames() throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "migrations-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "SELECT 2;".write(to: folder.appending(path: "0002_second.sql"), atomically: true, encoding: .utf8)
        try "SELECT 1;".write(to: folder.appending(path: "0001_first_one.sql"), atomically: true, encoding: .utf8)
        try "notes".write(to: folder.appending(path: "README.md"), atomically: true, encoding: .utf8)
        let loaded = try Migration.load(from: folder)
        #expect(loaded.map(\.version) == [1, 2])
        #expect(loaded.map(\.name) == ["first_one", "second"])
        try "SELECT 3;".write(to: folder.appending(path: "third.sql"), atomically: true, encoding: .utf8)
        #expect(throws: MigrationError.malformedFileName("third.sql")) { try Migration.load(from: folder) }
    }
}
