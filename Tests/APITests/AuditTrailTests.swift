@testable import Audit
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

    /// The anchor outside the database: links sealed before the key are sealed once it is set; a
    /// chain rewritten by the database owner (an entry edited, every later hash recomputed) fails
    /// its seals; the newest entries deleted with their links fall short of the head file; a head
    /// file written by someone else fails its seal.
    @Test func theKeyAndTheHeadFileCatchARewrittenChainAndATruncatedTail() async throws {
        try await withTestDatabase("audit_anchor") { database in
            let registry = database.client(role: "registry")
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("audit-anchor-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let headFile = folder.appendingPathComponent("head.json").path
            let key = Data("a key the database never sees, 32+ bytes".utf8)
            let anchor = AuditAnchor(key: key, headFile: headFile)
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { try await registry.run() }
                let log = AuditLog(database: registry)
                for index in 0..<6 {
                    try await log.record(
                        AuditEntry(requestID: "a\(index)", actorKind: .system, action: "read", resource: "person", resourceID: String(index)))
                }
                // Sealed before the key was set: unsealed links, found, then sealed at start.
                #expect(try await Self.sealEventually(AuditSealer(database: registry, logger: .test), count: 6, database: database) == 6)
                let verifier = AuditVerifier(database: registry, anchor: anchor)
                #expect(try await verifier.verify().problem?.kind == .unsealed)
                let sealer = AuditSealer(database: registry, anchor: anchor, logger: .test)
                #expect(try await sealer.sealUnsealedLinks() == 6)
                for index in 6..<12 {
                    try await log.record(
                        AuditEntry(requestID: "a\(index)", actorKind: .system, action: "read", resource: "person", resourceID: String(index)))
                }
                #expect(try await Self.sealEventually(sealer, count: 6, database: database) == 6)
                let head = try #require(try anchor.readHead())
                #expect(head.seq == 12 && head.seal != nil)
                let intact = try await verifier.verify()
                #expect(intact.problem == nil && intact.sealsChecked && intact.anchoredSeq == 12)

                // The registry's role may add a missing seal, never change one or a hash.
                let own = try await database.connect(role: "registry")
                await #expect(throws: PostgresError.self) { try await own.query("UPDATE audit.chain SET seal = \(Data(count: 32)) WHERE seq = 1") }
                await #expect(throws: PostgresError.self) { try await own.query("UPDATE audit.chain SET hash = \(Data(count: 32)) WHERE seq = 1") }
                await own.close()

                // The owner edits entry 6 and recomputes every later hash (the seals it cannot make).
                let admin = try await database.connect()
                let ids = try await admin.query("SELECT entry_id FROM audit.chain ORDER BY seq").map { try $0.decode(Int64.self, at: 0) }
                let original = try await admin.query("SELECT seq, hash FROM audit.chain ORDER BY seq").map { try $0.decode((Int64, Data).self) }
                try await admin.query("ALTER TABLE audit.chain DISABLE TRIGGER chain_keep_seal")
                try await admin.query("UPDATE audit.entries SET resource_id = 'altered' WHERE id = \(ids[5])")
                try await Self.recomputeHashes(from: 6, on: admin)
                #expect(try await verifier.verify().problem == AuditVerifier.Problem(kind: .forged, seq: 6, entryID: ids[5]))
                // The sealer will not extend the rewritten chain, nor will a new one reading the head file.
                try await log.record(AuditEntry(requestID: "after", actorKind: .system, action: "read", resource: "person"))
                await #expect(throws: AuditSealer.TamperingError.self) { try await sealer.sealAll() }
                await #expect(throws: AuditSealer.TamperingError.self) {
                    try await AuditSealer(database: registry, anchor: anchor, logger: .test).sealAll()
                }
                #expect(try anchor.readHead()?.seq == 12)
                // Without the key only the head file notices, at its own link.
                #expect(
                    try await AuditVerifier(database: registry, anchor: AuditAnchor(key: nil, headFile: headFile)).verify().problem
                        == AuditVerifier.Problem(kind: .forged, seq: 12, entryID: ids[11]))
                try await admin.query("UPDATE audit.entries SET resource_id = '5' WHERE id = \(ids[5])")
                for (seq, hash) in original { try await admin.query("UPDATE audit.chain SET hash = \(hash) WHERE seq = \(seq)") }
                #expect(try await verifier.verify().problem == nil)

                // The owner deletes the three newest entries with their links: the head file names link 12.
                try await admin.query("DELETE FROM audit.chain WHERE seq > 9")
                try await admin.query("DELETE FROM audit.entries WHERE id = ANY(\(Array(ids[9...])))")
                // Nor over the truncated one: it would reuse the deleted links' numbers.
                await #expect(throws: AuditSealer.TamperingError.self) { try await sealer.sealAll() }
                #expect(try anchor.readHead()?.seq == 12)
                let truncated = try await verifier.verify()
                #expect(truncated.problem == AuditVerifier.Problem(kind: .truncated, seq: 10, entryID: nil, through: 12))
                #expect(truncated.description.contains("links 10 through 12 are missing"))
                // Without the head file the shorter chain looks whole: the file is the anchor.
                #expect(try await AuditVerifier(database: registry, anchor: AuditAnchor(key: key, headFile: nil)).verify().problem == nil)

                // A head file rewritten to match the shorter chain, without the key, is refused.
                let link9 = try await admin.query("SELECT hash FROM audit.chain WHERE seq = 9")[0].decode(Data.self, at: 0)
                try FileManager.default.removeItem(atPath: headFile)
                try anchor.write(
                    AuditAnchor.Head(seq: 9, hash: link9.hexString, seal: String(repeating: "00", count: 32), writtenAt: "2026-12-06T00:00:00Z"))
                #expect(try await verifier.verify().problem?.kind == .forgedHead)
                try anchor.write(AuditAnchor.Head(seq: 9, hash: link9.hexString, seal: nil, writtenAt: "2026-12-06T00:00:00Z"))
                #expect(try await verifier.verify().problem?.kind == .forgedHead)
                try FileManager.default.removeItem(atPath: headFile)
                #expect(try await verifier.verify().problem == AuditVerifier.Problem(kind: .missingHead, seq: 9, entryID: nil))
                await admin.close()
                group.cancelAll()
            }
        }
    }

    /// Recomputes the hash of every link from `seq` on, as an owner without the key could.
    static func recomputeHashes(from seq: Int64, on admin: PostgresConnection) async throws {
        var previous = try await admin.query("SELECT hash FROM audit.chain WHERE seq = \(seq - 1)")[0].decode(Data.self, at: 0)
        let rows = try await admin.query(
            """
            SELECT c.seq, \(sql: AuditChain.columnsSQL) FROM audit.chain c JOIN audit.entries e ON e.id = c.entry_id
            WHERE c.seq >= \(seq) ORDER BY c.seq
            """)
        for row in rows {
            let link = try row.decode(Int64.self, at: 0)
            previous = AuditChain.link(previous: previous, try AuditChain.row(row, offset: 1))
            try await admin.query("UPDATE audit.chain SET hash = \(previous) WHERE seq = \(link)")
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
