import Access
import Audit
import Foundation
import Hummingbird
import Postgres
import ServiceKit

/// `GET /v1/audit`, for auditors: the trail of every service, by person, by account and by
/// period (`?personId=`, `?accountId=`, `?from=`, `?to=` as ISO 8601), oldest first, paged with
/// `?after=<id>`. Each search is itself recorded.
struct AuditRoutes: Sendable {
    let environment: ServiceEnvironment

    struct Entry: Codable, Sendable {
        let id: Int64
        let at: Date
        let service: String
        let requestId: String?
        let actorKind: String
        let actorId: UUID?
        let actorLabel: String?
        let action: String
        let resource: String
        let resourceId: String?
        let personId: UUID?
        let outcome: String
        let detail: [String: String]
        let sealed: Bool
    }

    struct Page: ResponseCodable {
        let items: [Entry]
        let next: Int64?
    }

    func add(to routes: SecuredRoutes) {
        routes.on(
            .get, "/v1/audit", .staff(.auditor),
            query: [
                .uuid("personId", "Entries about this person"), .uuid("accountId", "Entries by this account"),
                .dateTime("from", "Entries at or after this instant"), .dateTime("to", "Entries before this instant"),
                QueryParameter("after", .integer(minimum: 0, maximum: nil), "The `next` entry id of the previous page"), .limit(maximum: 1000),
            ]
        ) { request, context, identity -> Page in
            let query = request.uri.queryParameters
            let person = query["personId"].flatMap { UUID(uuidString: String($0)) }
            let account = query["accountId"].flatMap { UUID(uuidString: String($0)) }
            let from = query["from"].flatMap { try? Date(String($0), strategy: .iso8601) }
            let to = query["to"].flatMap { try? Date(String($0), strategy: .iso8601) }
            let after = query["after"].flatMap { Int64($0) } ?? 0
            let limit = query.limit(default: 100)
            let found = try await environment.database.withConnection {
                try await AuditSearchStore(connection: $0).entries(
                    after: after, person: person, account: account, from: from, to: to, limit: limit + 1)
            }
            let items = Array(found.prefix(limit))
            var filters: [String: String] = ["results": String(items.count)]
            if let person { filters["personId"] = person.uuidString.lowercased() }
            if let account { filters["accountId"] = account.uuidString.lowercased() }
            try await environment.audit.record(AuditEntry(identity, context, action: "search", resource: "audit", personID: person, detail: filters))
            return Page(items: items, next: found.count > limit ? items.last?.id : nil)
        }
    }
}
