import Audit
import Foundation
import HTTPTypes
import Postgres
import Registry
import TestSupport
import Testing

/// `deploy/backup.sh` and `deploy/restore.sh`, as the operator's handbook tells them to be used.
@Suite("Backup and restore", .timeLimit(.minutes(3)))
struct BackupRestoreTests {
    static func counts(_ database: TestDatabase) async throws -> [String: Int] {
        let connection = try await database.connect()
        let tables = try await connection.query(
            """
            SELECT table_schema || '.' || table_name FROM information_schema.tables
            WHERE table_type = 'BASE TABLE' AND table_schema IN ('registry', 'treatment', 'referrals', 'statistics', 'bus', 'audit')
            """
        ).map { try $0.decode(String.self, at: 0) }
        var counts: [String: Int] = [:]
        for table in tables {
            counts[table] = try await connection.query(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(table)"))[0].decode(Int.self, at: 0)
        }
        await connection.close()
        return counts
    }

    @Test func aBackupRestoresIntoAFreshDatabaseWithEveryRowAndAnIntactAuditTrail() async throws {
        try await PeopleTests.withRegistry("backup") { registry, tokens, database in
            let example = try String(contentsOf: ImportTests.example, encoding: .utf8)
            #expect(try await registry.call(.post, "/v1/people/imports", token: tokens["commune00004"], csv: example).status == 200)
            let id = try PeopleTests.id(try await registry.call(.post, "/v1/people", token: tokens["commune00004"], json: PeopleTests.anh))
            // Everything sealed first (the running registry seals every second), so that nothing
            // changes in the source between its count and its backup.
            let admin = try await database.connect()
            let deadline = ContinuousClock.now + .seconds(30)
            while try await admin.query(
                "SELECT (SELECT count(*) FROM audit.entries) - (SELECT count(*) FROM audit.chain)")[0].decode(Int.self, at: 0) > 0,
                ContinuousClock.now < deadline
            {
                try await Task.sleep(for: .milliseconds(100))
            }
            await admin.close()
            let before = try await Self.counts(database)

            let url = try #require(URLComponents(string: try TestDatabase.clusterURL))
            let environment = [
                "PGHOST": url.host ?? "127.0.0.1", "PGPORT": String(url.port ?? 5432), "PGUSER": url.user ?? "postgres",
                "PGDATABASE": database.name,
            ]
            let dump = FileManager.default.temporaryDirectory.appending(path: "backup-\(UUID()).dump").path
            let script = TestDatabase.repositoryRoot.appending(path: "deploy").path
            let backup = try CommandRun.run("/bin/bash", ["\(script)/backup.sh", dump], environment: environment, absolute: true)
            #expect(backup.status == 0, "\(backup.standardError)")
            let restoredName = database.name + "_restored"
            let restore = try CommandRun.run("/bin/bash", ["\(script)/restore.sh", dump, restoredName], environment: environment, absolute: true)
            #expect(restore.status == 0, "\(restore.standardError)")
            let restored = TestDatabase(name: restoredName, adminURL: database.adminURL)
            defer { try? FileManager.default.removeItem(atPath: dump) }

            let after = try await Self.counts(restored)
            #expect(after == before)
            #expect(before["registry.people"] == 5)
            #expect(restore.standardOutput.contains("registry.people 5"))
            // The restored trail verifies, and the registry runs on the restored database as its own role.
            let client = restored.client(role: "registry")
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { try await client.run() }
                let report = try await AuditVerifier(database: client).verify()
                #expect(report.problem == nil)
                #expect(report.links > 0)
                group.cancelAll()
            }
            try await ServiceHarness.withService(RegistryService.descriptor, database: restored) { copy in
                let token = try await copy.signIn("commune00004")
                let person = try await copy.call(.get, "/v1/people/\(id)", token: token)
                #expect(person.json["fullName"] as? String == "Nguyễn Thị Ánh Tuyết")
            }
            await restored.drop()
        }
    }
}
