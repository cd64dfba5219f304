import Foundation
import Logging
import Postgres
import ServiceLifecycle
import Synchronization

/// Extends the hash chain over newly committed audit entries, every `interval`.
///
/// Entries are sealed in `(xid, id)` order and only below the oldest running transaction, so an
/// entry whose transaction commits late is never passed over. Several replicas may run a sealer:
/// a transaction-level advisory lock lets one seal at a time. Runs as the registry role (the one
/// allowed to read entries and append chain links).
///
/// With an `anchor` key, every new link is sealed with it, and links sealed before the key was set
/// are sealed once at start (after their hashes are checked from the first link). After each
/// sealing the head is written to the anchor's file, and logged (at most once a minute, and when
/// the sealer stops). The sealer extends only the chain it left: if the head it last wrote (or the
/// anchor's file names) is no longer there, or the newest link does not carry the key's seal, it
/// stops sealing and logs why at critical level, so that it never seals over a rewritten or
/// truncated trail.
public struct AuditSealer: Service {
    /// The trail no longer holds what was sealed: sealing stops until someone looks.
    public struct TamperingError: Error, CustomStringConvertible {
        public let description: String
    }

    private let database: PostgresClient
    private let anchor: AuditAnchor
    private let interval: Duration
    private let logger: Logger
    /// The newest link this sealer wrote or read from the head file (nil: none known yet).
    private let known = KnownHead()

    private final class KnownHead: Sendable {
        let head = Mutex<AuditAnchor.Head?>(nil)
        let loaded = Atomic<Bool>(false)
    }

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
            var anchoredOnce = false
            var head: AuditAnchor.Head?
            var unwritten = false
            var loggedHead: AuditAnchor.Head?
            var loggedAt = ContinuousClock.now - .seconds(3600)
            var alarmedAt: ContinuousClock.Instant?
            defer { if let head, head != loggedHead { log(head) } }
            while !Task.isCancelled {
                do {
                    if !unsealedDone, let sealed = try await sealUnsealedLinksIfLocked() {
                        if sealed > 0 { logger.notice("Sealed the audit links written before the key was set", metadata: ["links": "\(sealed)"]) }
                        unsealedDone = true
                    }
                    if unsealedDone, !anchoredOnce {
                        // A head file configured on a trail sealed without one: anchor what is there.
                        if anchor.headFile != nil, try anchor.readHead() == nil, let current = try await newestHead() {
                            try anchor.write(current)
                            logger.notice("Anchored the audit trail's head for the first time", metadata: ["seq": "\(current.seq)"])
                        }
                        anchoredOnce = true
                    }
                    if unsealedDone {
                        let sealed = try await sealPending()
                        if let newest = sealed.head {
                            head = newest
                            unwritten = true
                        }
                        if let error = sealed.error { throw error }
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
                } catch let error as TamperingError {
                    if alarmedAt.map({ ContinuousClock.now - $0 >= .seconds(60) }) ?? true {
                        logger.critical(
                            "The audit trail was changed behind the sealer's back; sealing has stopped (run `registry audit verify`)",
                            metadata: ["problem": "\(error.description)"])
                        alarmedAt = .now
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

    /// The newest link as a head, nil for an empty chain.
    private func newestHead() async throws -> AuditAnchor.Head? {
        guard let row = try await database.query("SELECT seq, hash, seal FROM audit.chain ORDER BY seq DESC LIMIT 1").first else {
            return nil
        }
        let (seq, hash, seal) = try row.decode((Int64, Data, Data?).self)
        return AuditAnchor.Head(seq: seq, hash: hash.hexString, seal: seal?.hexString, writtenAt: Date.now.formatted(.iso8601))
    }

    /// Seals every entry that can be sealed now and writes the new head to the anchor's file;
    /// returns how many. Throws `TamperingError` when the trail is not the one this sealer left.
    @discardableResult
    public func sealAll() async throws -> Int {
        let sealed = try await sealPending()
        if let head = sealed.head { try anchor.write(head) }
        if let error = sealed.error { throw error }
        return sealed.count
    }

    /// Seals up to `limit` entries in one transaction; 0 when none are ready or another sealer runs.
    public func sealBatch(limit: Int = 2000) async throws -> Int {
        let sealed = try await sealOneBatch(limit: limit)
        if let head = sealed.head { try anchor.write(head) }
        return sealed.count
    }

    /// Seals, with the anchor's key, the links written before it was set; returns how many (0
    /// without a key, or when another sealer holds the lock).
    @discardableResult
    public func sealUnsealedLinks() async throws -> Int {
        try await sealUnsealedLinksIfLocked() ?? 0
    }

    /// The links before the first sealed one (all, if none is), their hashes checked from the
    /// first link, sealed in one transaction; nil when another sealer holds the lock. A link
    /// without a seal after a sealed one is tampering: nothing is sealed then.
    private func sealUnsealedLinksIfLocked(page: Int = 5000) async throws -> Int? {
        guard anchor.hasKey else { return 0 }
        return try await database.withTransaction { connection -> Int? in
            let locked = try await connection.query("SELECT pg_try_advisory_xact_lock(hashtextextended('audit.seal', 0))")
            guard try locked.first?.decode(Bool.self, at: 0) == true else { return nil }
            let firstSealed = try await connection.query("SELECT min(seq) FROM audit.chain WHERE seal IS NOT NULL")[0].decode(Int64?.self, at: 0)
            if let firstSealed,
                let stray = try await connection.query("SELECT min(seq) FROM audit.chain WHERE seal IS NULL AND seq > \(firstSealed)")[0]
                    .decode(Int64?.self, at: 0)
            {
                throw TamperingError(description: "link \(stray) has no seal although link \(firstSealed) before it has one")
            }
            let end = firstSealed.map { $0 - 1 } ?? .max
            var previous = AuditChain.genesis
            var after: Int64 = 0
            var sealed = 0
            while after < end {
                let rows = try await connection.query(
                    """
                    SELECT c.seq, c.hash, c.seal IS NULL, \(sql: AuditChain.columnsSQL)
                    FROM audit.chain c JOIN audit.entries e ON e.id = c.entry_id
                    WHERE c.seq > \(after) AND c.seq <= \(end) ORDER BY c.seq LIMIT \(page)
                    """)
                guard !rows.isEmpty else { break }
                var seqs: [Int64] = []
                var seals: [Data] = []
                for row in rows {
                    let (seq, hash, unsealed) = try row.decode((Int64, Data, Bool).self)
                    guard seq == after + 1, AuditChain.link(previous: previous, try AuditChain.row(row, offset: 3)) == hash else {
                        throw TamperingError(description: "link \(after + 1) does not follow from the links before it: it will not be sealed")
                    }
                    if unsealed, let seal = anchor.seal(seq: seq, hash: hash) {
                        seqs.append(seq)
                        seals.append(seal)
                    }
                    (previous, after) = (hash, seq)
                }
                if !seqs.isEmpty {
                    try await connection.query(
                        """
                        UPDATE audit.chain c SET seal = s.seal
                        FROM unnest(\(seqs)::int8[], \(seals)::bytea[]) AS s(seq, seal) WHERE c.seq = s.seq
                        """)
                    sealed += seqs.count
                }
            }
            return sealed
        }
    }

    /// Seals batches until none is left; the head after the last one that sealed anything, and
    /// the error that stopped it (batches before it are committed, and their head is returned).
    private func sealPending() async throws -> (count: Int, head: AuditAnchor.Head?, error: (any Error)?) {
        var total = 0
        var head: AuditAnchor.Head?
        while true {
            do {
                let batch = try await sealOneBatch(limit: 2000)
                guard batch.count > 0 else { return (total, head, nil) }
                total += batch.count
                head = batch.head ?? head
            } catch {
                return (total, head, error)
            }
        }
    }

    /// One batch in one transaction, and the head it made. Refuses (`TamperingError`) to extend a
    /// chain that no longer holds the last known head, or whose newest link lacks the key's seal.
    private func sealOneBatch(limit: Int) async throws -> (count: Int, head: AuditAnchor.Head?) {
        if !known.loaded.exchange(true, ordering: .acquiringAndReleasing), let written = try anchor.readHead() {
            known.head.withLock { $0 = $0 ?? written }
        }
        let sealed = try await database.withTransaction { connection -> (count: Int, head: AuditAnchor.Head?) in
            let locked = try await connection.query("SELECT pg_try_advisory_xact_lock(hashtextextended('audit.seal', 0))")
            guard try locked.first?.decode(Bool.self, at: 0) == true else { return (0, nil) }
            var seq: Int64 = 0
            var lastXid = "0"
            var lastID: Int64 = 0
            var previous = AuditChain.genesis
            var newestSeal: Data?
            if let last = try await connection.query(
                "SELECT seq, entry_xid::text, entry_id, hash, seal FROM audit.chain ORDER BY seq DESC LIMIT 1"
            ).first {
                (seq, lastXid, lastID, previous, newestSeal) = try last.decode((Int64, String, Int64, Data, Data?).self)
            }
            try await checkUntouched(newest: seq, hash: previous, seal: newestSeal, on: connection)
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
        // Committed: from now on this is the chain to extend.
        if let head = sealed.head { known.head.withLock { $0 = head } }
        return sealed
    }

    /// Throws `TamperingError` unless the chain still holds the last known head and (with a key)
    /// its newest link carries the key's seal.
    private func checkUntouched(newest seq: Int64, hash: Data, seal: Data?, on connection: PostgresConnection) async throws {
        if let expected = known.head.withLock({ $0 }) {
            guard seq >= expected.seq else {
                throw TamperingError(description: "the chain ends at link \(seq), but link \(expected.seq) was sealed: the newest links were deleted")
            }
            let stored =
                seq == expected.seq
                ? hash
                : try await connection.query("SELECT hash FROM audit.chain WHERE seq = \(expected.seq)").first?.decode(Data.self, at: 0)
            guard stored?.hexString == expected.hash else {
                throw TamperingError(description: "link \(expected.seq) is not the link that was sealed: the chain was rewritten")
            }
        }
        if seq > 0, let expected = anchor.seal(seq: seq, hash: hash), seal != expected {
            throw TamperingError(
                description: seal == nil
                    ? "the newest link, \(seq), has no seal (were links written before the key was set? they are sealed at start)"
                    : "the newest link, \(seq), does not carry the key's seal: the chain was rewritten")
        }
    }
}
