import Access
import Audit
import Foundation
import Hummingbird
import Postgres
import ServiceKit

/// Staff accounts, for admins: `GET/POST /v1/accounts`, `GET/PATCH /v1/accounts/{id}` (with
/// `If-Match`), `PUT /v1/accounts/{id}/password`. Every change is audited; a change of role,
/// jurisdiction or active flag, and a password reset, end the account's sessions.
struct AccountRoutes: Sendable {
    let environment: ServiceEnvironment
    let hasher: PasswordHasher

    struct NewAccount: Decodable {
        let username: String
        let displayName: String
        let role: Role
        let jurisdiction: Jurisdiction?
        let password: String
    }

    struct AccountChange: Decodable {
        let displayName: String?
        let role: Role?
        let jurisdiction: Jurisdiction?
        let active: Bool?
    }

    struct NewPassword: Decodable {
        let password: String
    }

    struct Page: ResponseCodable {
        let items: [Account]
        let next: String?
    }

    func add(to routes: SecuredRoutes) {
        routes.on(
            .get, "/v1/accounts", .staff(.admin), query: [QueryParameter("after", "The `next` username of the previous page"), .limit(maximum: 500)]
        ) {
            request, _, _ -> Page in
            let limit = request.uri.queryParameters.limit(default: 50)
            let after = request.uri.queryParameters["after"].map(String.init)
            let items = try await environment.database.withConnection {
                try await AccountStore(connection: $0).list(after: after, limit: limit + 1)
            }
            return Page(items: Array(items.prefix(limit)), next: items.count > limit ? items[limit - 1].username : nil)
        }
        routes.on(.get, "/v1/accounts/{id}", .staff(.admin), answers: [Account.self]) { _, context, _ -> Response in
            let id = try context.parameters.uuid("id")
            guard let account = try await environment.database.withConnection({ try await AccountStore(connection: $0).account(id: id) }) else {
                throw ProblemDetails.notFound("No account \(id).")
            }
            return try Self.respond(account, status: .ok, context)
        }
        routes.on(
            .post, "/v1/accounts", .staff(.admin), responses: [409: "The username is taken"], body: .decodable(NewAccount.self),
            answers: [Account.self]
        ) {
            request, context, identity -> Response in
            let new = try await request.decodeJSON(as: NewAccount.self, context: context)
            let account = try await create(new, by: identity, context)
            var response = try Self.respond(account, status: .created, context)
            response.headers[.location] = "/v1/accounts/\(account.id.uuidString.lowercased())"
            return response
        }
        routes.on(.patch, "/v1/accounts/{id}", .staff(.admin), body: .decodable(AccountChange.self), answers: [Account.self]) {
            request, context, identity -> Response in
            let id = try context.parameters.uuid("id")
            let version = try request.requiredVersion()
            let change = try await request.decodeJSON(as: AccountChange.self, context: context)
            let account = try await update(id: id, version: version, change, by: identity, context)
            return try Self.respond(account, status: .ok, context)
        }
        routes.on(.put, "/v1/accounts/{id}/password", .staff(.admin), body: .decodable(NewPassword.self)) { request, context, identity -> Response in
            let id = try context.parameters.uuid("id")
            let body = try await request.decodeJSON(as: NewPassword.self, context: context)
            guard let account = try await environment.database.withConnection({ try await AccountStore(connection: $0).account(id: id) }) else {
                throw ProblemDetails.notFound("No account \(id).")
            }
            var validator = FieldValidator()
            for problem in PasswordPolicy().problems(password: body.password, username: account.username) { validator.add("/password", problem) }
            try validator.finish()
            let hash = try await hasher.hash(body.password)
            try await environment.database.withTransaction { connection in
                let store = AccountStore(connection: connection)
                try await store.setPassword(id: id, hash: hash)
                let revoked = try await store.revokeSessions(account: id, reason: "password-reset")
                try await AuditLog.append(
                    AuditEntry(
                        identity, context, action: "reset-password", resource: "account", resourceID: id.uuidString.lowercased(),
                        detail: ["sessionsRevoked": String(revoked)]), on: connection)
            }
            environment.identities.forgetAll()
            return Response(status: .noContent)
        }
    }

    /// Validates and creates an account; used by the API and by `registry create-admin`.
    func create(_ new: NewAccount, by identity: Identity?, _ context: AppRequestContext?) async throws -> Account {
        let username = new.username.lowercased()
        var validator = FieldValidator()
        validator.require(Self.isValidUsername(username), "/username", "must be 3 to 64 of a-z, 0-9, '.', '_', '-', starting with a letter or digit")
        let displayName = new.displayName.trimmingCharacters(in: .whitespacesAndNewlines)
        validator.require((1...200).contains(displayName.count), "/displayName", "must be 1 to 200 characters")
        let jurisdiction = new.jurisdiction ?? .national
        validator.require(
            jurisdiction.kind == new.role.jurisdictionKind, "/jurisdiction",
            "a \(new.role.rawValue) needs a \(new.role.jurisdictionKind.rawValue) jurisdiction")
        for problem in PasswordPolicy().problems(password: new.password, username: username) { validator.add("/password", problem) }
        try validator.finish()
        let hash = try await hasher.hash(new.password)
        let id = UUID()
        let account: Account? = try await environment.database.withTransaction { connection in
            if let problem = try await JurisdictionCheck.problem(jurisdiction, on: connection) {
                throw ProblemDetails.validation([.init(pointer: "/jurisdiction/reference", detail: problem)])
            }
            guard
                let account = try await AccountStore(connection: connection).create(
                    id: id, username: username, displayName: displayName, role: new.role, jurisdiction: jurisdiction,
                    passwordHash: hash, createdBy: identity?.id)
            else { return nil }
            let entry =
                context.map {
                    AuditEntry(
                        identity, $0, action: "create", resource: "account", resourceID: id.uuidString.lowercased(),
                        detail: ["role": new.role.rawValue, "jurisdiction": jurisdiction.kind.rawValue])
                }
                ?? AuditEntry(
                    requestID: nil, actorKind: .system, actorLabel: "registry create-admin", action: "create",
                    resource: "account", resourceID: id.uuidString.lowercased(), detail: ["role": new.role.rawValue])
            try await AuditLog.append(entry, on: connection)
            return account
        }
        guard let account else {
            throw ProblemDetails.conflict("The username '\(username)' is taken.", type: "duplicate-username")
        }
        return account
    }

    private func update(id: UUID, version: Int, _ change: AccountChange, by identity: Identity, _ context: AppRequestContext) async throws -> Account
    {
        try await environment.database.withTransaction { connection in
            let store = AccountStore(connection: connection)
            guard let current = try await store.account(id: id) else { throw ProblemDetails.notFound("No account \(id).") }
            guard current.version == version else {
                throw ProblemDetails.preconditionFailed("The account changed since version \(version); it is at version \(current.version).")
            }
            let role = change.role ?? current.role
            let jurisdiction = change.jurisdiction ?? (change.role == nil ? current.jurisdiction : .national)
            let displayName = change.displayName?.trimmingCharacters(in: .whitespacesAndNewlines) ?? current.displayName
            let active = change.active ?? current.active
            var validator = FieldValidator()
            validator.require((1...200).contains(displayName.count), "/displayName", "must be 1 to 200 characters")
            validator.require(
                jurisdiction.kind == role.jurisdictionKind, "/jurisdiction",
                "a \(role.rawValue) needs a \(role.jurisdictionKind.rawValue) jurisdiction")
            validator.require(
                !(identity.id == id && (!active || role != .admin)), "/active", "an admin cannot deactivate or demote their own account")
            if jurisdiction != current.jurisdiction, let problem = try await JurisdictionCheck.problem(jurisdiction, on: connection) {
                validator.add("/jurisdiction/reference", problem)
            }
            try validator.finish()
            guard
                let updated = try await store.update(
                    id: id, version: version, displayName: displayName, role: role, jurisdiction: jurisdiction, active: active)
            else { throw ProblemDetails.preconditionFailed("The account changed meanwhile; read it again.") }
            var changed: [String] = []
            if displayName != current.displayName { changed.append("displayName") }
            if role != current.role { changed.append("role") }
            if jurisdiction != current.jurisdiction { changed.append("jurisdiction") }
            if active != current.active { changed.append("active") }
            var revoked = 0
            if role != current.role || jurisdiction != current.jurisdiction || !active {
                revoked = try await store.revokeSessions(account: id, reason: "account-changed")
            }
            try await AuditLog.append(
                AuditEntry(
                    identity, context, action: "update", resource: "account", resourceID: id.uuidString.lowercased(),
                    detail: [
                        "fields": changed.joined(separator: ","), "role": role.rawValue, "previousRole": current.role.rawValue,
                        "jurisdiction": jurisdiction.reference ?? "national", "active": String(active), "sessionsRevoked": String(revoked),
                    ]), on: connection)
            return updated
        }
    }

    static func isValidUsername(_ username: String) -> Bool {
        let bytes = Array(username.utf8)
        guard (3...64).contains(bytes.count) else { return false }
        func allowed(_ byte: UInt8, first: Bool) -> Bool {
            (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || (!first && [0x2E, 0x5F, 0x2D].contains(byte))
        }
        return bytes.enumerated().allSatisfy { allowed($0.element, first: $0.offset == 0) }
    }

    static func respond(_ account: Account, status: HTTPResponse.Status, _ context: AppRequestContext) throws -> Response {
        try Response.json(account, status: status, headers: [.eTag: account.etag])
    }
}
