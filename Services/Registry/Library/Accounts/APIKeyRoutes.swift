import Access
import Audit
import Foundation
import Hummingbird
import Postgres
import ServiceKit

/// Other agencies' API keys, for admins: `GET/POST /v1/api-keys`, `DELETE /v1/api-keys/{id}`.
/// A key opens the statistics service's aggregates of its area, and the administrative units
/// (public reference data) any caller reads; it is shown once, at creation, and stored only as
/// its hash.
struct APIKeyRoutes: Sendable {
    let environment: ServiceEnvironment

    /// What `areaCode` says for a key of the whole country.
    static let national = "national"

    struct NewKey: Decodable {
        let label: String
        let purpose: String
        /// Required: a province or commune code of the 2025 list, or `national` (never implied).
        let areaCode: String
        let expiresAt: Date?
    }

    struct Key: Codable, Sendable {
        let id: UUID
        let label: String
        let purpose: String
        /// A province or commune code, or `national`.
        let areaCode: String
        let createdAt: Date
        let expiresAt: Date?
        let revokedAt: Date?
        /// Only in the answer to its creation.
        var key: String?
    }

    struct Page: ResponseCodable {
        let items: [Key]
    }

    func add(to routes: SecuredRoutes) {
        routes.on(.get, "/v1/api-keys", .staff(.admin)) { _, _, _ -> Page in
            return Page(items: try await environment.database.withConnection { try await APIKeyStore(connection: $0).all() })
        }
        routes.on(.post, "/v1/api-keys", .staff(.admin), body: .decodable(NewKey.self), answers: [Key.self]) {
            request, context, identity -> Response in
            let new = try await request.decodeJSON(as: NewKey.self, context: context)
            let label = new.label.trimmingCharacters(in: .whitespacesAndNewlines)
            let purpose = new.purpose.trimmingCharacters(in: .whitespacesAndNewlines)
            var validator = FieldValidator()
            validator.require((1...200).contains(label.count), "/label", "must be 1 to 200 characters")
            validator.require((1...500).contains(purpose.count), "/purpose", "must say, in 1 to 500 characters, what the key is for")
            let area = new.areaCode == Self.national ? nil : new.areaCode
            if let area {
                validator.require(
                    (area.count == 2 || area.count == 5) && area.allSatisfy(\.isNumber) && area.allSatisfy(\.isASCII),
                    "/areaCode", "must be a province (2 digits) or commune (5 digits) code, or national")
            }
            if let expires = new.expiresAt { validator.require(expires > Date(), "/expiresAt", "must be in the future") }
            try validator.finish()
            let secret = SecretToken.generate(.apiKey)
            let id = UUID()
            var key = try await environment.database.withTransaction { connection in
                if let area {
                    let units = AdminUnitStore(connection: connection)
                    let exists = area.count == 2 ? try await units.provinceExists(area) : try await units.communeExists(area)
                    guard exists else {
                        throw ProblemDetails.validation([
                            .init(pointer: "/areaCode", detail: "is not a \(area.count == 2 ? "province" : "commune") code of the 2025 list")
                        ])
                    }
                }
                let key = try await APIKeyStore(connection: connection).insert(
                    id: id, label: label, purpose: purpose, areaCode: area, keyHash: SecretToken.hash(secret), by: identity.id,
                    expiresAt: new.expiresAt)
                try await AuditLog.append(
                    AuditEntry(
                        identity, context, action: "create", resource: "api_key", resourceID: id.uuidString.lowercased(),
                        detail: ["area": new.areaCode]), on: connection)
                return key
            }
            key.key = secret
            return try Response.json(key, status: .created, headers: [.location: "/v1/api-keys/\(id.uuidString.lowercased())"])
        }
        routes.on(.delete, "/v1/api-keys/{id}", .staff(.admin)) { _, context, identity -> Response in
            let id = try context.parameters.uuid("id")
            let revoked = try await environment.database.withTransaction { connection in
                let revoked = try await APIKeyStore(connection: connection).revoke(id, by: identity.id)
                if revoked {
                    try await AuditLog.append(
                        AuditEntry(
                            identity, context, action: "revoke", resource: "api_key", resourceID: id.uuidString.lowercased()), on: connection)
                }
                return revoked
            }
            guard revoked else { throw ProblemDetails.notFound("No active API key \(id).") }
            environment.identities.forgetAll()
            return Response(status: .noContent)
        }
    }
}
