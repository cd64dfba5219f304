import Access
import Audit
import Foundation
import Hummingbird
import Postgres
import ServiceKit
import Synchronization

/// `POST /v1/auth/token` (credentials for a bearer token), `POST /v1/auth/logout` and
/// `PUT /v1/auth/password` (change one's own password, which ends every session).
final class AuthRoutes: Sendable {
    let environment: ServiceEnvironment
    let hasher: PasswordHasher
    let throttle = LoginThrottle()

    init(environment: ServiceEnvironment, hasher: PasswordHasher) {
        self.environment = environment
        self.hasher = hasher
    }
    /// A hash of nothing anyone knows, checked against for unknown usernames so that they take
    /// as long as known ones.
    private let decoy = Mutex<String?>(nil)

    struct TokenRequest: Decodable {
        let username: String
        let password: String
    }

    struct TokenResponse: ResponseCodable {
        let accessToken: String
        var tokenType = "Bearer"
        let expiresAt: Date
        let account: Account
    }

    struct PasswordChange: Decodable {
        let currentPassword: String
        let newPassword: String
    }

    func add(to routes: SecuredRoutes) {
        routes.onPublic(
            .post, "/v1/auth/token",
            responses: [
                200: "Signed in: the access token", 401: "Wrong username or password, or the account is disabled",
                429: "Too many failed sign-ins for this username; Retry-After says when to try again",
            ],
            body: .decodable(TokenRequest.self)
        ) { [self] request, context in
            try await token(request, context)
        }
        routes.on(.post, "/v1/auth/logout", .anyStaff, responses: [204: "Signed out: the session's tokens no longer work"]) {
            [self] _, context, identity -> Response in
            guard case .staff(let staff) = identity else { throw ProblemDetails.forbidden("Only staff sessions can log out.") }
            try await environment.database.withTransaction { connection in
                try await AccountStore(connection: connection).revokeSession(id: staff.sessionID, reason: "logout")
                try await AuditLog.append(
                    AuditEntry(identity, context, action: "logout", resource: "session", resourceID: staff.sessionID.uuidString.lowercased()),
                    on: connection)
            }
            if let token = context.bearerToken { environment.identities.forget(token) }
            return Response(status: .noContent)
        }
        routes.on(.put, "/v1/auth/password", .anyStaff, body: .decodable(PasswordChange.self)) { [self] request, context, identity -> Response in
            guard case .staff(let staff) = identity else { throw ProblemDetails.forbidden("Only staff accounts have passwords.") }
            let change = try await request.decodeJSON(as: PasswordChange.self, context: context)
            var validator = FieldValidator()
            for problem in PasswordPolicy().problems(password: change.newPassword, username: staff.username) {
                validator.add("/newPassword", problem)
            }
            try validator.finish()
            guard
                let (_, stored) = try await environment.database.withConnection({
                    try await AccountStore(connection: $0).credentials(username: staff.username)
                }),
                try await hasher.verify(change.currentPassword, against: stored)
            else {
                throw ProblemDetails.validation([.init(pointer: "/currentPassword", detail: "is not the current password")])
            }
            let hash = try await hasher.hash(change.newPassword)
            try await environment.database.withTransaction { connection in
                let store = AccountStore(connection: connection)
                try await store.setPassword(id: staff.accountID, hash: hash)
                let revoked = try await store.revokeSessions(account: staff.accountID, reason: "password-changed")
                try await AuditLog.append(
                    AuditEntry(
                        identity, context, action: "change-password", resource: "account", resourceID: staff.accountID.uuidString.lowercased(),
                        detail: ["sessionsRevoked": String(revoked)]), on: connection)
            }
            environment.identities.forgetAll()
            return Response(status: .noContent)
        }
    }

    private func token(_ request: Request, _ context: AppRequestContext) async throws -> TokenResponse {
        let credentials = try await request.decodeJSON(as: TokenRequest.self, context: context)
        let username = credentials.username.lowercased().trimmingCharacters(in: .whitespaces)
        var validator = FieldValidator()
        validator.require(!username.isEmpty && username.utf8.count <= 64, "/username", "must be 1 to 64 characters")
        validator.require(!credentials.password.isEmpty && credentials.password.utf8.count <= 1024, "/password", "must be 1 to 1024 bytes")
        try validator.finish()
        let database = environment.database

        if let wait = try await database.withConnection({ try await throttle.retryAfter(username: username, on: $0) }) {
            try await environment.audit.record(
                AuditEntry(
                    nil, context, action: "login", resource: "session", outcome: .denied,
                    detail: ["username": username, "reason": "throttled"]))
            throw ProblemDetails.tooManyRequests("Too many failed sign-ins for this username; try again in \(wait) s.", retryAfterSeconds: wait)
        }
        let found = try await database.withConnection { try await AccountStore(connection: $0).credentials(username: username) }
        let valid: Bool
        if let (account, stored) = found, account.active {
            valid = try await hasher.verify(credentials.password, against: stored)
        } else {
            _ = try await hasher.verify(credentials.password, against: try await decoyHash())
            valid = false
        }
        guard valid, let (account, _) = found else {
            try await database.withTransaction { connection in
                try await throttle.recordFailure(username: username, on: connection)
                try await AuditLog.append(
                    AuditEntry(
                        requestID: context.requestID, actorKind: .anonymous, actorID: found?.0.id, actorLabel: username,
                        action: "login", resource: "session", outcome: .failed,
                        detail: ["reason": found == nil ? "unknown-username" : (found!.0.active ? "wrong-password" : "inactive-account")]),
                    on: connection)
            }
            throw ProblemDetails.unauthorized("The username or password is wrong.", error: nil)
        }
        let token = SecretToken.generate(.session)
        let sessionID = UUID()
        let expiresAt = try await database.withTransaction { connection in
            let expires = try await AccountStore(connection: connection).createSession(
                id: sessionID, account: account.id, tokenHash: SecretToken.hash(token), lifetime: environment.configuration.sessionLifetime)
            try await throttle.recordSuccess(username: username, on: connection)
            try await AuditLog.append(
                AuditEntry(
                    requestID: context.requestID, actorKind: .account, actorID: account.id, actorLabel: account.username,
                    action: "login", resource: "session", resourceID: sessionID.uuidString.lowercased()), on: connection)
            return expires
        }
        return TokenResponse(accessToken: token, expiresAt: expiresAt, account: account)
    }

    private func decoyHash() async throws -> String {
        if let decoy = decoy.withLock({ $0 }) { return decoy }
        let made = try await hasher.decoy()
        decoy.withLock { $0 = made }
        return made
    }
}
