import Foundation
import Logging
import Postgres
import ServiceLifecycle

/// Extends the hash chain over newly committed audit entries, every `interval`.
///
/// Entries are sealed in `(xid, id)` order and only below the oldest running transaction, so an
/// entry whose transaction commits late is never passed over. Several replicas may run a sealer:
/// a transaction-level advisory lock lets one seal at a time. Runs as the registry role (the one
/// allowed to read entries and append chain links).
///
/// With an `anchor` key, every new link is sealed with it, and links sealed before the key was set
/// are sealed once at start. After each sealing the head is written to the anchor's file, and
/// logged (at most once a minute, and when the sealer stops).
public struct AuditSealer: Service {
    private let database: PostgresClient
    private let anchor: AuditAnchor
    private let interval: Duration
    private let logger: Logger

    public init(database: PostgresClient, anchor: AuditAnchor = .none, interval: Duration = .seconds(1), logger: Logger) {
        self.database = database
        self.anchor = anchor
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        if !anchor.hasKey {
            logger.warning("Audit links are sealed without a key (AUDIT_SEAL_KEY is not set): a database owner could rewrite the trail unseen")
        }
        if let file = anchor.headFile {
            let folder = URL(fileURLWithPath: file).deletingLastPathComponent().path
            if !FileManager.default.isWritableFile(atPath: folder) {
                logger.error("The audit head file's folder is missing or not writable: the head is not anchored", metadata: ["folder": "\(folder)"])
            }
        }
        try? await cancelWhenGracefulShutdown {
            var unsealedDone = !anchor.hasKey
            var head: AuditAnchor.Head?
            var unwritten = false
            var loggedHead: AuditAnchor.Head?
            var loggedAt = ContinuousClock.now - .seconds(3600)
            defer { if let head, head != loggedHead { log(head) } }
            while !Task.isCancelled {
                do {
                    if !unsealedDone {
                        let sealed = try await sealUnsealedLinks()
                        if sealed > 0 { logger.notice("Sealed the audit links written before the key was set", metadata: ["links": "\(sealed)"]) }
                        unsealedDone = true
                    }
                    if let newest = try await sealPending().head {
                        head = newest
                        unwritten = true
                    }
                    // Written only once committed; a failed write is tried again next round.
                    if unwritten, let head {
                        try anchor.write(head)
                        unwritten = false
                    }
                    if let head, head != loggedHead, ContinuousClock.now - loggedAt >= .seconds(60) {
                        log(head)
                        (loggedHead, loggedAt) = (head, .now)
                    }
                } catch {
                    logger.warning("Audit sealing failed; retrying", metadata: ["error": "\(error)"])
                }
                try await Task.sleep(for: interval)
            }
        }
    }

    private func log(_ head: AuditAnchor.Head) {
        logger.info(
            "Audit trail head", metadata: ["seq": "\(head.seq)", "hash": "\(head.hash)", "seal": "\(head.seal ?? "none")"])
    }

    /// Seals every entry that can be sealed now and writes the new head to the anchor's file;
    /// returns how many.
    @discardableResult
    public func sealAll() async throws -> Int {
        let sealed = try await sealPending()
        if let head = sealed.head { try anchor.write(head) }
        return sealed.count
    }

    /// Seals up to `limit` entries in one transaction; 0 when none are ready or another sealer runs.
    public func sealBatch(limit: Int = 2000) async throws -> Int {
        try await sealOneBatch(limit: limit).count
    }

    /// Seals, with the anchor's key, the links written before it was set (and any a failed
    /// sealing left without); returns how many. Nothing without a key.
    @discardableResult
    public func sealUnsealedLinks(batch: Int = 5000) async throws -> Int {
        guard anchor.hasKey else { return 0 }
        var total = 0
        while true {
            let sealed = try await database.withTransaction { connection -> Int in
                let locked = try await connection.query("SELECT pg_try_advisory_xact_lock(hashtextextended('audit.seal', 0))")
                guard try locked.first?.decode(Bool.self, at: 0) == true else { return 0 }
                let rows = try await connection.query(
                    "SELECT seq, hash FROM audit.chain WHERE seal IS NULL ORDER BY seq LIMIT \(batch)")
                var seqs: [Int64] = []
                var seals: [Data] = []
                for row in rows {
                    let (seq, hash) = try row.decode((Int64, Data).self)
                    guard let seal = anchor.seal(seq: seq, hash: hash) else { return 0 }
                    seqs.append(seq)
                    seals.append(seal)
                }
                guard !seqs.isEmpty else { return 0 }
                try await connection.query(
                    """
                    UPDATE audit.chain c SET seal = s.seal
                    FROM unnest(\(seqs)::int8[], \(seals)::bytea[]) AS s(seq, seal) WHERE c.seq = s.seq
                    """)
                return seqs.count
            }
            total += sealed
            if sealed < batch { return total }
        }
    }

    /// Seals batches until none is left; the head after the last one that sealed anything.
    private func sealPending() async throws -> (count: Int, head: AuditAnchor.Head?) {
        var total = 0
        var head: AuditAnchor.Head?
        while true {
            let batch = try await sealOneBatch(limit: 2000)
            guard batch.count > 0 else { return (total, head) }
            total += batch.count
            head = batch.head ?? head
        }
    }

    /// One batch in one transaction, and the head it made.
    private func sealOneBatch(limit: Int) async throws -> (count: Int, head: AuditAnchor.Head?) {
        try await database.withTransaction { connection -> (count: Int, head: AuditAnchor.Head?) in
            let locked = try await connection.query("SELECT pg_try_advisory_xact_lock(hashtextextended('audit.seal', 0))")
            guard try locked.first?.decode(Bool.self, at: 0) == true else { return (0, nil) }
            var seq: Int64 = 0
            var lastXid = "0"
            var lastID: Int64 = 0
            var previous = AuditChain.genesis
            if let last = try await connection.query(
                "SELECT seq, entry_xid::text, entry_id, hash FROM audit.chain ORDER BY seq DESC LIMIT 1"
            ).first {
                (seq, lastXid, lastID, previous) = try last.decode((Int64, String, Int64, Data).self)
            }
            let rows = try await connection.query(
                """
                SELECT \(sql: AuditChain.columnsSQL) FROM audit.entries e
                WHERE (e.xid, e.id) > (\(lastXid)::xid8, \(lastID))
                  AND e.xid < pg_snapshot_xmin(pg_current_snapshot())
                ORDER BY e.xid, e.id
                LIMIT \(limit)
                """)
            guard !rows.isEmpty else { return (0, nil) }
            var seqs: [Int64] = []
            var ids: [Int64] = []
            var xids: [String] = []
            var hashes: [Data] = []
            var seals: [Data] = []
            for row in rows {
                let entry = try AuditChain.row(row)
                previous = AuditChain.link(previous: previous, entry)
                seq += 1
                seqs.append(seq)
                ids.append(entry.id)
                xids.append(entry.xid)
                hashes.append(previous)
                if let seal = anchor.seal(seq: seq, hash: previous) { seals.append(seal) }
            }
            if anchor.hasKey {
                try await connection.query(
                    """
                    INSERT INTO audit.chain (seq, entry_id, entry_xid, hash, seal)
                    SELECT * FROM unnest(\(seqs)::int8[], \(ids)::int8[], \(xids)::xid8[], \(hashes)::bytea[], \(seals)::bytea[])
                    """)
            } else {
                try await connection.query(
                    """
                    INSERT INTO audit.chain (seq, entry_id, entry_xid, hash)
                    SELECT * FROM unnest(\(seqs)::int8[], \(ids)::int8[], \(xids)::xid8[], \(hashes)::bytea[])
                    """)
            }
            let head = AuditAnchor.Head(
                seq: seq, hash: previous.hexString, seal: seals.last?.hexString, writtenAt: Date.now.formatted(.iso8601))
            return (rows.count, head)
        }
    }
}
