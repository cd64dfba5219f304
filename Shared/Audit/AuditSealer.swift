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
public struct AuditSealer: Service {
    private let database: PostgresClient
    private let interval: Duration
    private let logger: Logger

    public init(database: PostgresClient, interval: Duration = .seconds(1), logger: Logger) {
        self.database = database
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await sealAll()
                } catch {
                    logger.warning("Audit sealing failed; retrying", metadata: ["error": "\(error)"])
                }
                try await Task.sleep(for: interval)
            }
        }
    }

    /// Seals every entry that can be sealed now; returns how many.
    @discardableResult
    public func sealAll() async throws -> Int {
        var total = 0
        while case let sealed = try await sealBatch(), sealed > 0 { total += sealed }
        return total
    }

    /// Seals up to `limit` entries in one transaction; 0 when none are ready or another sealer runs.
    public func sealBatch(limit: Int = 2000) async throws -> Int {
        try await database.withTransaction { connection in
            let locked = try await connection.query("SELECT pg_try_advisory_xact_lock(hashtextextended('audit.seal', 0))")
            guard try locked.first?.decode(Bool.self, at: 0) == true else { return 0 }
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
            guard !rows.isEmpty else { return 0 }
            var seqs: [Int64] = []
            var ids: [Int64] = []
            var xids: [String] = []
            var hashes: [Data] = []
            for row in rows {
                let entry = try AuditChain.row(row)
                previous = AuditChain.link(previous: previous, entry)
                seq += 1
                seqs.append(seq)
                ids.append(entry.id)
                xids.append(entry.xid)
                hashes.append(previous)
            }
            try await connection.query(
                """
                INSERT INTO audit.chain (seq, entry_id, entry_xid, hash)
                SELECT * FROM unnest(\(seqs)::int8[], \(ids)::int8[], \(xids)::xid8[], \(hashes)::bytea[])
                """)
            return rows.count
        }
    }
}
