import Access
import Foundation
import Hummingbird

/// The request context of every service: Hummingbird's core storage plus who is asking.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `AuthenticationMiddleware` when the request carries a valid token.
    public var identity: Identity?
    /// The bearer token itself, for logout; never logged.
    public var bearerToken: String?
    /// The body the route declares (`SecuredRoutes.on(body:)`), which `JSONFields.body` checks.
    public internal(set) var requestBody: DeclaredBody?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    /// The request id Hummingbird gives every request (also in every log line of the request).
    public var requestID: String { id }
}

extension AppRequestContext {
    /// JSON bodies: camelCase keys, ISO 8601 dates; answers as `APIResponseEncoder` writes them.
    public var requestDecoder: JSONDecoder { Self.decoder }
    public var responseEncoder: APIResponseEncoder { APIResponseEncoder() }

    public static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()
}
