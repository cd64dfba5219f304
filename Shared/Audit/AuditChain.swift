import Crypto
import Foundation
import Postgres

/// The hash chain over the audit trail: link n's hash is SHA-256(link n-1's hash ‖ entry n's
/// canonical bytes), starting from 32 zero bytes. Editing, deleting or inserting an entry in the
/// sealed part of the trail changes a hash that later links depend on.
enum AuditChain {
    static let genesis = Data(repeating: 0, count: 32)

    /// The columns an entry is hashed from, in this order (a `SELECT` list aliasing `audit.entries e`).
    static let columnsSQL: StaticString = """
        e.id, e.xid::text, (EXTRACT(EPOCH FROM e.at) * 1000000)::int8, e.service, e.request_id, e.actor_kind,
        e.actor_id::text, e.actor_label, e.action, e.resource, e.resource_id, e.person_id::text, e.outcome, e.detail::text
        """

    /// An entry as the chain sees it.
    struct Row: Sendable {
        let id: Int64
        let xid: String
        let fields: [String?]
    }

    /// Decodes a row selected with `columns` starting at `offset`.
    static func row(_ row: PostgresRow, offset: Int = 0) throws -> Row {
        let id = try row.decode(Int64.self, at: offset)
        let xid = try row.decode(String.self, at: offset + 1)
        let micros = try row.decode(Int64.self, at: offset + 2)
        var fields: [String?] = [String(id), String(micros)]
        for column in (offset + 3)..<(offset + 14) {
            fields.append(try row.decode(String?.self, at: column))
        }
        return Row(id: id, xid: xid, fields: fields)
    }

    /// SHA-256 of `previous` and the entry's fields, each length-prefixed (NULL distinct from "").
    static func link(previous: Data, _ row: Row) -> Data {
        var hasher = SHA256()
        hasher.update(data: previous)
        for field in row.fields {
            guard let field else {
                hasher.update(data: Data([0xFF, 0xFF, 0xFF, 0xFF]))
                continue
            }
            let bytes = Data(field.utf8)
            var length = UInt32(bytes.count).bigEndian
            hasher.update(data: Data(bytes: &length, count: 4))
            hasher.update(data: bytes)
        }
        return Data(hasher.finalize())
    }
}
