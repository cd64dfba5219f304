import Audit
import Foundation
import HTTPTypes
import Postgres
import Registry
import ServiceKit
import TestSupport
import Testing

@Suite("Audit trail: what is recorded, who can read it, and the hash chain", .timeLimit(.minutes(3)))
struct AuditTrailTests {
    /// Seals until `count` entries are sealed: an entry is sealed only once every transaction in
    /// the cluster older than its own has ended, and other suites run transactions meanwhile, so
    /// this waits (up to 90 s) for the horizon rather than for a fixed time. Records an issue
    /// naming the oldest transactions still open when it gives up.
    static func sealEventually(_ sealer: AuditSealer, count: Int, database: TestDatabase) async throws -> Int {
        var sealed = 0
        let deadline = ContinuousClock.now + .seconds(90)
        while sealed < count, ContinuousClock.now < deadline {
            sealed += try await sealer.sealAll()
            if sealed < count { try await Task.sleep(for: .milliseconds(20)) }
        }
        if sealed < count {
            let admin = try await database.connect()
            let open = try await admin.query(
                """
                SELECT datname || ' ' || coalesce(application_name, '') || ' ' || state || ' for '
                       || (now() - xact_start)::text || ': ' || left(query, 100)
                FROM pg_stat_activity WHERE backend_xid IS NOT NULL ORDER BY xact_start LIMIT 5
                """
            ).map { try $0.decode(String.self, at: 0) }
            await admin.close()
            Issue.record("only \(sealed) of \(count) entries sealed; oldest open transactions: \(open)")
        }
        return sealed
    }

    @Test func signInsAndAccountChangesAreRecordedAndAuditorsFindThemByAccount() async throws {
        try await withTestDatabase("audit_record") { database in
            try await ServiceHarness.withService(RegistryService.descriptor, database: database) { registry in
                let ids = try await StaffSeed.insert(into: database)
                _ = try await registry.call(.post, "/v1/auth/token", json: #"{"username":"admin1","password":"wrong password 1"}"#)
                let admin = try await registry.signIn("admin1")
                let created = try await registry.call(
                    .post, "/v1/accounts", token: admin,
                    json:
                        #"{"username":"xa.phuc.xa","displayName":"Trần Thị Bích","role":"commune_officer","jurisdiction":{"kind":"commune","reference":"00097"},"password":"Mật khẩu dài 2026"}"#
                )
                #expect(created.status == 201)
                let auditor = try await registry.signIn("auditor1")
                // Other roles cannot read the trail.
                #expect(try await registry.call(.get, "/v1/audit", token: admin).status == 403)

                let byAdmin = try await registry.call(.get, "/v1/audit?accountId=\(ids["admin1"]!)", token: auditor)
                #expect(byAdmin.status == 200)
                let items = byAdmin.json["items"] as? [[String: Any]] ?? []
                let actions = items.map { "\($0["action"]!) \($0["resource"]!) \($0["outcome"]!)" }
                #expect(actions == ["login session failed", "login session success", "create account success"])
                #expect(items.allSatisfy { $0["service"] as? String == "registry" && $0["requestId"] is String })
                // The search itself is on the record.
                let searches = try await registry.call(.get, "/v1/audit?accountId=\(ids["auditor1"]!)", token: auditor)
                let searchActions = (searches.json["items"] as? [[String: Any]] ?? []).map { $0["action"] as? String }
                #expect(searchActions.contains("search"))
                let bad = try await registry.call(.get, "/v1/audit?personId=nope&from=yesterday", token: auditor)
                #expect(bad.status == 422)
                #expect(bad.body.contains("?personId") && bad.body.contains("?from"))
            }
        }
    }

    @Test func theChainDetectsAnEditedADeletedAndAnInsertedEntry() async throws {
        try await withTestDatabase("audit_chain") { database in
            let registry = database.client(role: "registry")
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { try await registry.run() }
                let log = AuditLog(database: registry)
                for index in 0..<20 {
                    try await log.record(
                        AuditEntry(requestID: "r\(index)", actorKind: .system, action: "read", resource: "person", resourceID: String(index)))
                }
                let sealer = AuditSealer(database: registry, logger: .test)
                #expect(try await Self.sealEventually(sealer, count: 20, database: database) == 20)
                let verifier = AuditVerifier(database: registry)
                let intact = try await verifier.verify()
                #expect(intact.problem == nil)
                #expect(intact.links == 20)

                // Service roles can neither change nor delete entries.
                for role in ["registry", "treatment", "statistics"] {
                    let connection = try await database.connect(role: role)
                    await #expect(throws: PostgresError.self) { try await connection.query("UPDATE audit.entries SET action = 'x'") }
                    await #expect(throws: PostgresError.self) { try await connection.query("DELETE FROM audit.entries") }
                    await connection.close()
                }

                // A superuser edits one entry: the chain breaks exactly there.
                let admin = try await database.connect()
                let ids = try await admin.query("SELECT id FROM audit.entries ORDER BY id").map { try $0.decode(Int64.self, at: 0) }
                try await admin.query("UPDATE audit.entries SET resource_id = 'other' WHERE id = \(ids[7])")
                let edited = try await verifier.verify()
                #expect(edited.problem == AuditVerifier.Problem(kind: .edited, seq: 8, entryID: ids[7]))
                try await admin.query("UPDATE audit.entries SET resource_id = '7' WHERE id = \(ids[7])")
                #expect(try await verifier.verify().problem == nil)

                // Deleting an entry, or an entry with its link, is found too.
                try await admin.query("DELETE FROM audit.entries WHERE id = \(ids[12])")
                #expect(try await verifier.verify().problem == AuditVerifier.Problem(kind: .deletedEntry, seq: 13, entryID: ids[12]))
                try await admin.query("DELETE FROM audit.chain WHERE entry_id = \(ids[12])")
                #expect(try await verifier.verify().problem == AuditVerifier.Problem(kind: .deletedLink, seq: 13, entryID: nil))
                await admin.close()
                group.cancelAll()
            }
        }
    }

    @Test func anEntrySlippedIntoTheSealedPastIsFound() async throws {
        try await withTestDatabase("audit_insert") { database in
            let registry = database.client(role: "registry")
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { try await registry.run() }
                let log = AuditLog(database: registry)
                for index in 0..<3 {
                    try await log.record(
                        AuditEntry(requestID: nil, actorKind: .system, action: "read", resource: "person", resourceID: String(index)))
                }
                #expect(try await Self.sealEventually(AuditSealer(database: registry, logger: .test), count: 3, database: database) == 3)
                let admin = try await database.connect()
                let first = try await admin.query("SELECT xid::text FROM audit.entries ORDER BY id LIMIT 1")[0].decode(String.self, at: 0)
                try await admin.query(
                    """
                    INSERT INTO audit.entries (xid, actor_kind, action, resource, outcome) OVERRIDING SYSTEM VALUE
                    VALUES (\(first)::xid8, 'system', 'forged', 'person', 'success')
                    """)
                let report = try await AuditVerifier(database: registry).verify()
                #expect(report.problem?.kind == .inserted)
                await admin.close()
                group.cancelAll()
            }
        }
    }

    @Test func concurrentReadsShareInsertsAndEveryOneIsCommittedWhenRecordReturns() async throws {
        try await withTestDatabase("audit_group") { database in
            let treatment = database.client(role: "treatment", poolSize: 4)
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { try await treatment.run() }
                let log = AuditLog(database: treatment)
                try await withThrowingTaskGroup(of: Void.self) { writers in
                    for index in 0..<400 {
                        writers.addTask {
                            try await log.record(AuditEntry(requestID: "q\(index)", actorKind: .system, action: "read", resource: "episode"))
                        }
                    }
                    try await writers.waitForAll()
                }
                let admin = try await database.connect()
                let (count, transactions) = try await admin.query(
                    "SELECT count(*), count(DISTINCT xid) FROM audit.entries WHERE service = 'treatment'")[0].decode((Int, Int).self)
                #expect(count == 400)
                #expect(transactions < 400)
                await admin.close()
                group.cancelAll()
            }
        }
    }

    /// A page of results is recorded at once; pages of concurrent callers share inserts, may
    /// straddle two batches (500 entries each), and each is wholly committed when `record` returns.
    @Test func pagesOfEntriesAreCommittedWhenRecordReturns() async throws {
        try await withTestDatabase("audit_pages") { database in
            let treatment = database.client(role: "treatment", poolSize: 4)
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { try await treatment.run() }
                let log = AuditLog(database: treatment)
                let reader = database.client(poolSize: 2)
                try await withThrowingTaskGroup(of: Int.self) { callers in
                    for caller in 0..<40 {
                        callers.addTask {
                            let page = (0..<30).map {
                                AuditEntry(requestID: "p\(caller)-\($0)", actorKind: .system, action: "list", resource: "episode")
                            }
                            try await log.record(page)
                            return try await reader.query(
                                "SELECT count(*) FROM audit.entries WHERE request_id LIKE \("p\(caller)-%")")[0].decode(Int.self, at: 0)
                        }
                    }
                    for try await committed in callers { #expect(committed == 30) }
                }
                let admin = try await database.connect()
                #expect(try await admin.query("SELECT count(*) FROM audit.entries WHERE service = 'treatment'")[0].decode(Int.self, at: 0) == 1200)
                await admin.close()
                await reader.shutdown()
                group.cancelAll()
            }
        }
    }
}
