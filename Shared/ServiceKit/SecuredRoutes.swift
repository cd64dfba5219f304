import Access
import Audit
import EventBus
import Foundation
import HTTPTypes
import Hummingbird
import Postgres

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
        /// Serves one record of `resource` (an episode, an after-care period) whose id is path
        /// parameter `parameter`: 404 to a caller who may not see it, as if it did not exist.
        case record(resource: String, parameter: String)
    }

    /// One declared endpoint.
    public struct Endpoint: Sendable {
        public let method: HTTPRequest.Method
        public let path: String
        /// nil for a public endpoint (the token exchange).
        public let rule: AccessRule?
        public let scope: Scope
        /// One line for the OpenAPI document.
        public let summary: String?
        /// Statuses it answers besides those every endpoint of its kind documents (see
        /// `OpenAPIDocument.responses`), with what each means.
        public let responses: [Int: String]
        /// The body it takes, or nil when it takes none.
        public let body: DeclaredBody?
        /// The media types its success answers come in.
        public let answerTypes: [String]
        /// The shapes of its JSON success answer (one, or one of several), empty when undeclared.
        public let answers: [ValueSchema]
        /// The query parameters it takes; any other is refused, and each value is checked.
        public let query: [QueryParameter]
        /// Its path parameters that are not ids (closed sets, codes), for its document.
        public let pathParameters: [PathParameter]
    }

    public let router: Router<AppRequestContext>
    /// Where refused attempts on a person's or a referral's data are recorded (nil: nowhere, for
    /// routers built without a database).
    let audit: AuditLog?
    /// What the endpoints have answered, for the test that each status is documented.
    public let answered = AnsweredStatuses()
    /// Every endpoint declared so far, in declaration order.
    public private(set) var catalogue: [Endpoint] = []

    /// `audit` records every refused attempt on an endpoint scoped to one person or referral.
    public init(router: Router<AppRequestContext>, audit: AuditLog?) {
        self.router = router
        self.audit = audit
    }

    /// Adds an endpoint callable only by identities `rule` admits. `body` declares the body it
    /// takes (`JSONFields.body` checks a JSON body against it); `query`, the query parameters it
    /// takes (any other, or a value its schema refuses, answers 422 once access is granted).
    /// For its OpenAPI entry: `responses`, the statuses it answers beyond those of every endpoint
    /// of its kind (`OpenAPIDocument.responses`); `answerTypes`, the media types it answers in;
    /// `answers`, the types its JSON answer takes (by default the handler's own type when it is
    /// `Decodable`; name them when it returns a `Response`).
    public func on<Output: ResponseGenerator>(
        _ method: HTTPRequest.Method, _ path: String, _ rule: AccessRule, scope: Scope = .none, summary: String? = nil,
        responses: [Int: String] = [:], body: DeclaredBody? = nil, answerTypes: [String] = ["application/json"],
        answers: [any Decodable.Type] = [], query: [QueryParameter] = [], pathParameters: [PathParameter] = [],
        handler: @escaping @Sendable (Request, AppRequestContext, Identity) async throws -> Output
    ) {
        catalogue.append(
            Endpoint(
                method: method, path: path, rule: rule, scope: scope, summary: summary, responses: responses, body: body,
                answerTypes: answerTypes, answers: Self.shapes(answers, Output.self), query: query, pathParameters: pathParameters))
        let answered = self.answered
        let audit = self.audit
        router.on(RouterPath(path), method: method) { request, context -> Response in
            try await Self.answer(method, path, answered, request, context) {
                guard let identity = context.identity else {
                    throw ProblemDetails.unauthorized("This endpoint needs a bearer token (POST /v1/auth/token on the registry).")
                }
                do {
                    guard rule.admits(identity) else {
                        throw ProblemDetails.forbidden("Your role may not \(method) \(path).")
                    }
                    try Self.checkQuery(request, query)
                    var context = context
                    context.requestBody = body
                    return try await handler(request, context, identity)
                } catch let problem as ProblemDetails where problem.statusCode == 403 || problem.statusCode == 404 {
                    try await Self.recordRefusal(scope, method, path, identity, context, audit)
                    throw problem
                }
            }
        }
    }

    /// Records a refused attempt (403, or 404: outside the caller's jurisdiction or not there) on
    /// the person or referral a scoped endpoint serves, naming it, whatever the handler did.
    private static func recordRefusal(
        _ scope: Scope, _ method: HTTPRequest.Method, _ path: String, _ identity: Identity, _ context: AppRequestContext, _ audit: AuditLog?
    ) async throws {
        let resource: String
        let parameter: String
        switch scope {
        case .person(let name): (resource, parameter) = ("person", name)
        case .referral(let name): (resource, parameter) = ("referral", name)
        case .record(let kind, let name): (resource, parameter) = (kind, name)
        case .none, .personList, .referralList: return
        }
        guard let audit else { return }
        let id = context.parameters.get(parameter)
        try await audit.record(
            AuditEntry(
                identity, context, action: method == .get ? "read" : "change", resource: resource,
                resourceID: id.flatMap(UUID.init(uuidString:))?.lowercasedString ?? id.map { String($0.prefix(64)) },
                personID: resource == "person" ? id.flatMap(UUID.init(uuidString:)) : nil, outcome: .denied,
                detail: ["endpoint": "\(method) \(path)"]))
    }

    /// Adds an endpoint anyone may call (only the token exchange should be one).
    public func onPublic<Output: ResponseGenerator>(
        _ method: HTTPRequest.Method, _ path: String, summary: String? = nil, responses: [Int: String] = [:],
        body: DeclaredBody? = nil, answers: [any Decodable.Type] = [],
        handler: @escaping @Sendable (Request, AppRequestContext) async throws -> Output
    ) {
        catalogue.append(
            Endpoint(
                method: method, path: path, rule: nil, scope: .none, summary: summary, responses: responses, body: body,
                answerTypes: ["application/json"], answers: Self.shapes(answers, Output.self), query: [], pathParameters: []))
        let answered = self.answered
        router.on(RouterPath(path), method: method) { request, context -> Response in
            try await Self.answer(method, path, answered, request, context) {
                try Self.checkQuery(request, [])
                var context = context
                context.requestBody = body
                return try await handler(request, context)
            }
        }
    }

    /// The schemas of `declared`, or of `output` when none are and it is `Decodable`.
    private static func shapes(_ declared: [any Decodable.Type], _ output: Any.Type) -> [ValueSchema] {
        let types = declared.isEmpty ? [output as? any Decodable.Type].compactMap { $0 } : declared
        return types.map { ValueSchema.describing($0) }
    }

    /// 422 naming each query parameter the operation does not take, or whose value its schema
    /// refuses.
    private static func checkQuery(_ request: Request, _ declared: [QueryParameter]) throws {
        let parameters = request.uri.queryParameters
        let accepted = Set(declared.map(\.name))
        let unknown = Set(parameters.map { String($0.key) }).subtracting(accepted).sorted()
        var validator = FieldValidator()
        let takes = accepted.isEmpty ? "it takes none" : "it takes \(accepted.sorted().joined(separator: ", "))"
        for name in unknown { validator.add("?\(name)", "is not a parameter of this operation (\(takes))") }
        for parameter in declared {
            let values = parameters.getAll(parameter.name)
            if parameter.required, values.isEmpty { validator.add("?\(parameter.name)", "is required") }
            for value in values {
                _ = parameter.schema.check(query: value, at: "?\(parameter.name)", &validator)
            }
        }
        try validator.finish()
    }

    /// Runs `body`, notes the status it answers (a thrown problem's, or 500 for any other error,
    /// which `ProblemMiddleware` renders as such) and passes the answer on.
    private static func answer<Output: ResponseGenerator>(
        _ method: HTTPRequest.Method, _ path: String, _ answered: AnsweredStatuses, _ request: Request, _ context: AppRequestContext,
        _ body: () async throws -> Output
    ) async throws -> Response {
        do {
            let response = try await body().response(from: request, context: context)
            answered.record(method, path, response.status.code)
            return response
        } catch let problem as ProblemDetails {
            answered.record(method, path, problem.statusCode)
            throw problem
        } catch let error as any HTTPResponseError {
            answered.record(method, path, error.status.code)
            throw error
        } catch {
            answered.record(method, path, 500)
            throw error
        }
    }
}
