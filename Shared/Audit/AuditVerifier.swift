import Foundation
import Postgres

/// Checks the audit trail against its hash chain, from the first link to the last.
///
/// Detects an edited entry (its link's hash no longer matches), a deleted entry (its link points
/// at nothing), a deleted link (a gap in the sequence), and an entry slipped into the sealed part
/// of the trail (an entry with no link below the last sealed position). Deleting the newest links
/// together with their entries leaves no trace inside the database: compare `headHash` with a copy
/// kept elsewhere (the sealer logs it) for that.
public struct AuditVerifier: Sendable {
    public struct Report: Sendable, Equatable, CustomStringConvertible {
        /// Links checked.
        public var links: Int
        /// The last link's hash (hex), to compare with a copy kept outside the database.
        public var headHash: String?
        /// The first problem found, or nil when the chain is intact.
        public var problem: Problem?

        public var description: String {
            if let problem { return "BROKEN after \(links) good links: \(problem)" }
            return "intact: \(links) entries sealed; head \(headHash ?? "(empty)")"
        }
    }

    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        public enum Kind: String, Sendable { case edited, deletedEntry = "deleted-entry", deletedLink = "deleted-link", inserted }
        public let kind: Kind
        public let seq: Int64?
        public let entryID: Int64?

        public init(kind: Kind, seq: Int64?, entryID: Int64?) {
            self.kind = kind
            self.seq = seq
            self.entryID = entryID
        }

        public var description: String {
            switch kind {
            case .edited: "entry \(entryID.map(String.init) ?? "?") (link \(seq ?? 0)) was changed after it was sealed"
            case .deletedEntry: "entry \(entryID.map(String.init) ?? "?") (link \(seq ?? 0)) was deleted"
            case .deletedLink: "link \(seq ?? 0) is missing (an entry and its link were deleted)"
            case .inserted: "entry \(entryID.map(String.init) ?? "?") was inserted into the sealed part of the trail"
            }
        }
    }

    private let database: PostgresClient

    public init(database: PostgresClient) { self.database = database }

    public func verify(pageSize: Int = 5000) async throws -> Report {
        var report = Report(links: 0, headHash: nil, problem: nil)
        var previous = AuditChain.genesis
        var lastSeq: Int64 = 0
        var lastXid = "0"
        var lastID: Int64 = 0
        while true {
            let rows = try await database.query(
                """
                SELECT c.seq, c.entry_id, c.entry_xid::text, c.hash, e.id IS NOT NULL, \(sql: AuditChain.columnsSQL)
                FROM audit.chain c LEFT JOIN audit.entries e ON e.id = c.entry_id
                WHERE c.seq > \(lastSeq) ORDER BY c.seq LIMIT \(pageSize)
                """)
            if rows.isEmpty { break }
            for row in rows {
                let (seq, entryID, entryXid, hash, present) = try row.decode((Int64, Int64, String, Data, Bool).self)
                if seq != lastSeq + 1 {
                    report.problem = Problem(kind: .deletedLink, seq: lastSeq + 1, entryID: nil)
                    return report
                }
                guard present else {
                    report.problem = Problem(kind: .deletedEntry, seq: seq, entryID: entryID)
                    return report
                }
                let entry = try AuditChain.row(row, offset: 5)
                let expected = AuditChain.link(previous: previous, entry)
                guard expected == hash, entry.xid == entryXid else {
                    report.problem = Problem(kind: .edited, seq: seq, entryID: entryID)
                    return report
                }
                previous = hash
                lastSeq = seq
                lastXid = entryXid
                lastID = entryID
                report.links += 1
            }
        }
        if report.links > 0 {
            report.headHash = previous.map { String(format: "%02x", $0) }.joined()
        }
        let inserted = try await database.query(
            """
            SELECT e.id FROM audit.entries e
            WHERE (e.xid, e.id) < (\(lastXid)::xid8, \(lastID))
              AND NOT EXISTS (SELECT 1 FROM audit.chain c WHERE c.entry_id = e.id)
            ORDER BY e.xid, e.id LIMIT 1
            """)
        if let row = inserted.first {
            report.problem = Problem(kind: .inserted, seq: nil, entryID: try row.decode(Int64.self, at: 0))
        }
        return report
    }
}
