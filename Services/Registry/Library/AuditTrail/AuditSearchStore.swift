import Foundation
import Postgres

/// Reads the audit trail for auditors (`audit.entries`, with whether each entry is sealed).
struct AuditSearchStore {
    let connection: PostgresConnection

    /// Entries after id `after` matching the filters (each optional), oldest first, at most `limit`.
    func entries(
        after: Int64, person: UUID?, account: UUID?, from: Date?, to: Date?, limit: Int
    ) async throws -> [AuditRoutes.Entry] {
        try await connection.query(
            """
            SELECT e.id, e.at, e.service, e.request_id, e.actor_kind, e.actor_id, e.actor_label, e.action, e.resource,
                   e.resource_id, e.person_id, e.outcome, e.detail, EXISTS (SELECT 1 FROM audit.chain c WHERE c.entry_id = e.id)
            FROM audit.entries e
            WHERE e.id > \(after)
              AND (\(person)::uuid IS NULL OR e.person_id = \(person))
              AND (\(account)::uuid IS NULL OR e.actor_id = \(account))
              AND (\(from)::timestamptz IS NULL OR e.at >= \(from))
              AND (\(to)::timestamptz IS NULL OR e.at < \(to))
            ORDER BY e.id LIMIT \(limit)
            """
        ).map { row in
            let (id, at, service, requestID, actorKind, actorID, actorLabel, action, resource, resourceID, personID, outcome, detail, sealed) =
                try row.decode(
                    (Int64, Date, String, String?, String, UUID?, String?, String, String, String?, UUID?, String, JSONB<[String: String]>, Bool)
                        .self)
            return AuditRoutes.Entry(
                id: id, at: at, service: service, requestId: requestID, actorKind: actorKind, actorId: actorID, actorLabel: actorLabel,
                action: action, resource: resource, resourceId: resourceID, personId: personID, outcome: outcome, detail: detail.value,
                sealed: sealed)
        }
    }
}
