import Foundation
import Postgres

/// Checks the audit trail against its hash chain, from the first link to the last.
///
/// Detects an edited entry (its link's hash no longer matches), a deleted entry (its link points
/// at nothing), a deleted link (a gap in the sequence), and an entry slipped into the sealed part
/// of the trail (an entry with no link below the last sealed position). With the anchor's key it
/// also finds links rewritten by someone without the key (hashes recomputed after an edit: the
/// seals no longer match) and links left unsealed; with the anchor's head file, a truncated tail
/// (the newest entries deleted with their links: the chain ends before the head the file names).
public struct AuditVerifier: Sendable {
    public struct Report: Sendable, Equatable, CustomStringConvertible {
        /// Links checked.
        public var links: Int
        /// The last link's hash (hex), to compare with a copy kept outside the database.
        public var headHash: String?
        /// The first problem found, or nil when the chain is intact.
        public var problem: Problem?
        /// Whether every link's seal was checked with the key.
        public var sealsChecked = false
        /// The link the head file names, when there is one.
        public var anchoredSeq: Int64?

        public var description: String {
            if let problem { return "BROKEN after \(links) good links: \(problem)" }
            let seals = sealsChecked ? "every seal matches the key" : "seals not checked (no AUDIT_SEAL_KEY)"
            let anchored = anchoredSeq.map { "the head file's link \($0) is in place" } ?? "no head file to compare (AUDIT_ANCHOR_FILE)"
            return "intact: \(links) entries sealed; head \(headHash ?? "(empty)"); \(seals); \(anchored)"
        }
    }

    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        public enum Kind: String, Sendable {
            case edited, deletedEntry = "deleted-entry", deletedLink = "deleted-link", inserted, forged, unsealed, truncated
            case forgedHead = "forged-head"
            case missingHead = "missing-head"
        }
        public let kind: Kind
        public let seq: Int64?
        public let entryID: Int64?
        /// For a truncated tail: the last link the head file names.
        public let through: Int64?

        public init(kind: Kind, seq: Int64?, entryID: Int64?, through: Int64? = nil) {
            self.kind = kind
            self.seq = seq
            self.entryID = entryID
            self.through = through
        }

        public var description: String {
            switch kind {
            case .edited: "entry \(entryID.map(String.init) ?? "?") (link \(seq ?? 0)) was changed after it was sealed"
            case .deletedEntry: "entry \(entryID.map(String.init) ?? "?") (link \(seq ?? 0)) was deleted"
            case .deletedLink: "link \(seq ?? 0) is missing (an entry and its link were deleted)"
            case .inserted: "entry \(entryID.map(String.init) ?? "?") was inserted into the sealed part of the trail"
            case .forged:
                "link \(seq ?? 0) (entry \(entryID.map(String.init) ?? "?")) does not carry the seal of AUDIT_SEAL_KEY: the chain was rewritten from there without the key"
            case .unsealed:
                "link \(seq ?? 0) (entry \(entryID.map(String.init) ?? "?")) has no seal (written before AUDIT_SEAL_KEY was set? the running registry seals such links at start)"
            case .truncated:
                "links \(seq ?? 0) through \(through ?? 0) are missing: the newest entries were deleted with their links (the head file names link \(through ?? 0))"
            case .forgedHead: "the head file's link \(seq ?? 0) does not carry the seal of AUDIT_SEAL_KEY: the file was not written by the sealer"
            case .missingHead: "AUDIT_ANCHOR_FILE is set but holds no head while the chain has \(seq ?? 0) links: the file was removed"
            }
        }
    }

    private let database: PostgresClient
    private let anchor: AuditAnchor

    public init(database: PostgresClient, anchor: AuditAnchor = .none) {
        self.database = database
        self.anchor = anchor
    }

    /// Walks the chain; throws `AuditAnchor.HeadFileError` when the head file cannot be read.
    public func verify(pageSize: Int = 5000) async throws -> Report {
        let anchoredHead = try anchor.readHead()
        if let anchoredHead, !anchor.sealMatches(anchoredHead) {
            return Report(links: 0, headHash: nil, problem: Problem(kind: .forgedHead, seq: anchoredHead.seq, entryID: nil))
        }
        var headLink: (hash: Data, entryID: Int64)?
        var report = Report(links: 0, headHash: nil, problem: nil, sealsChecked: anchor.hasKey, anchoredSeq: anchoredHead?.seq)
        var previous = AuditChain.genesis
        var lastSeq: Int64 = 0
        var lastXid = "0"
        var lastID: Int64 = 0
        while true {
            let rows = try await database.query(
                """
                SELECT c.seq, c.entry_id, c.entry_xid::text, c.hash, e.id IS NOT NULL, c.seal, \(sql: AuditChain.columnsSQL)
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
                let entry = try AuditChain.row(row, offset: 6)
                let expected = AuditChain.link(previous: previous, entry)
                guard expected == hash, entry.xid == entryXid else {
                    report.problem = Problem(kind: .edited, seq: seq, entryID: entryID)
                    return report
                }
                if let seal = anchor.seal(seq: seq, hash: hash) {
                    guard let stored = try row.decode(Data?.self, at: 5) else {
                        report.problem = Problem(kind: .unsealed, seq: seq, entryID: entryID)
                        return report
                    }
                    guard stored == seal else {
                        report.problem = Problem(kind: .forged, seq: seq, entryID: entryID)
                        return report
                    }
                }
                if seq == anchoredHead?.seq { headLink = (hash, entryID) }
                previous = hash
                lastSeq = seq
                lastXid = entryXid
                lastID = entryID
                report.links += 1
            }
        }
        if report.links > 0 { report.headHash = previous.hexString }
        if anchoredHead == nil, anchor.headFile != nil, report.links > 0 {
            report.problem = Problem(kind: .missingHead, seq: lastSeq, entryID: nil)
            return report
        }
        if let anchoredHead {
            if anchoredHead.seq > lastSeq {
                report.problem = Problem(kind: .truncated, seq: lastSeq + 1, entryID: nil, through: anchoredHead.seq)
                return report
            }
            if let headLink, headLink.hash.hexString != anchoredHead.hash {
                report.problem = Problem(kind: .forged, seq: anchoredHead.seq, entryID: headLink.entryID)
                return report
            }
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
