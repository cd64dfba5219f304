import Access
import Foundation
import Hummingbird
import Logging

/// Reads `Authorization: Bearer <token>` and puts the caller's `Identity` in the context.
///
/// A request without the header passes on anonymous (endpoints that need a caller refuse it with
/// 401); one with a malformed, unknown, expired or revoked token gets 401 at once, with
/// `WWW-Authenticate`; if the database cannot answer, 503.
public struct AuthenticationMiddleware: RouterMiddleware {
    public typealias Context = AppRequestContext
    let identities: IdentityResolver

    public init(identities: IdentityResolver) { self.identities = identities }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else { return try await next(request, context) }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw ProblemDetails.unauthorized("The Authorization header must be 'Bearer <token>'.", error: "invalid_request")
        }
        let token = String(parts[1]).trimmingCharacters(in: .whitespaces)
        let resolution: IdentityResolver.Resolution
        do {
            resolution = try await identities.resolve(token)
        } catch {
            context.logger.warning("Token check failed", metadata: ["error": "\(error)"])
            throw ProblemDetails.unavailable("Credentials cannot be checked right now; try again shortly.")
        }
        guard case .identified(let identity) = resolution else {
            throw ProblemDetails.unauthorized("The token is unknown, expired or revoked; sign in again.", error: "invalid_token")
        }
        var context = context
        context.identity = identity
        context.bearerToken = token
        context.logger[metadataKey: "auth.actor.id"] = "\(identity.id)"
        return try await next(request, context)
    }
}
