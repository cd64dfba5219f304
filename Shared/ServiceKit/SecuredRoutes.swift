import Access
import HTTPTypes
import Hummingbird

/// The one way services add endpoints: each declares its `AccessRule` (and whether it serves one
/// person's data), the rule is enforced before the handler runs, and the declaration lands in
/// `catalogue`, from which the access tests generate their role × endpoint table.
public final class SecuredRoutes {
    /// How an endpoint relates to people's data.
    public enum Scope: Sendable, Hashable {
        /// Not about one person (reference data, accounts, aggregates).
        case none
        /// Serves the person whose id is path parameter `parameter`: out of the caller's
        /// jurisdiction, it answers 404.
        case person(parameter: String)
        /// Lists people: only those in the caller's jurisdiction.
        case personList
        /// Serves the referral whose id is path parameter `parameter`: visible to the partner it is
        /// addressed to and to officers whose jurisdiction covers the person; 404 to anyone else.
        case referral(parameter: String)
        /// Lists referrals: only those the caller may see (as for `referral`).
        case referralList
    }

    /// One declared endpoint.
    public struct Endpoint: Sendable, Hashable {
        public let method: HTTPRequest.Method
        public let path: String
        /// nil for a public endpoint (the token exchange).
        public let rule: AccessRule?
        public let scope: Scope
        /// One line for the OpenAPI document.
        public let summary: String?
    }

    public let router: Router<AppRequestContext>
    /// Every endpoint declared so far, in declaration order.
    public private(set) var catalogue: [Endpoint] = []

    public init(router: Router<AppRequestContext>) {
        self.router = router
    }

    /// Adds an endpoint callable only by identities `rule` admits.
    public func on<Output: ResponseGenerator>(
        _ method: HTTPRequest.Method, _ path: String, _ rule: AccessRule, scope: Scope = .none, summary: String? = nil,
        handler: @escaping @Sendable (Request, AppRequestContext, Identity) async throws -> Output
    ) {
        catalogue.append(Endpoint(method: method, path: path, rule: rule, scope: scope, summary: summary))
        router.on(RouterPath(path), method: method) { request, context -> Output in
            guard let identity = context.identity else {
                throw ProblemDetails.unauthorized("This endpoint needs a bearer token (POST /v1/auth/token on the registry).")
            }
            guard rule.admits(identity) else {
                throw ProblemDetails.forbidden("Your role may not \(method) \(path).")
            }
            return try await handler(request, context, identity)
        }
    }

    /// Adds an endpoint anyone may call (only the token exchange should be one).
    public func onPublic<Output: ResponseGenerator>(
        _ method: HTTPRequest.Method, _ path: String, summary: String? = nil,
        handler: @escaping @Sendable (Request, AppRequestContext) async throws -> Output
    ) {
        catalogue.append(Endpoint(method: method, path: path, rule: nil, scope: .none, summary: summary))
        router.on(RouterPath(path), method: method, use: handler)
    }
}
