import Foundation
import HTTPTypes
import Hummingbird

/// An RFC 9457 problem: the one shape of every error response, as `application/problem+json`.
///
/// `type` is a stable URI per kind of error that clients can switch on; `detail` says what is
/// wrong in words; `errors` points at each invalid field (`pointer` is a JSON Pointer into the
/// request body, or a query parameter as `?name`).
public struct ProblemDetails: Error, Sendable, Codable, Equatable, HTTPResponseError {
    public struct FieldError: Sendable, Codable, Equatable {
        public let pointer: String
        public let detail: String
        public init(pointer: String, detail: String) {
            self.pointer = pointer
            self.detail = detail
        }
    }

    public let type: String
    public let title: String
    public let statusCode: Int
    public let detail: String?
    public let errors: [FieldError]?
    /// The rule a refused change breaks (`StateMachine.Refusal`), when that is the problem.
    public var rule: String?
    /// Extra response headers (`WWW-Authenticate`, `Retry-After`, `Location`); not in the body.
    public var headers: HTTPFields = [:]

    public init(
        type: String, title: String, status: HTTPResponse.Status, detail: String? = nil, errors: [FieldError]? = nil,
        headers: HTTPFields = [:]
    ) {
        self.type = type
        self.title = title
        self.statusCode = status.code
        self.detail = detail
        self.errors = errors
        self.headers = headers
    }

    enum CodingKeys: String, CodingKey {
        case type, title, statusCode = "status", detail, errors, rule
    }

    public var status: HTTPResponse.Status { HTTPResponse.Status(code: statusCode) }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = try encoder.encode(self)
        var headers = self.headers
        headers[.contentType] = "application/problem+json"
        return Response(
            status: status,
            headers: headers,
            body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

extension ProblemDetails {
    /// The base of every problem `type` URI.
    public static let typeBase = "https://recovery.gov.vn/problems/"

    public static func notFound(_ detail: String) -> ProblemDetails {
        ProblemDetails(type: typeBase + "not-found", title: "Not found", status: .notFound, detail: detail)
    }

    public static func validation(_ errors: [FieldError]) -> ProblemDetails {
        ProblemDetails(
            type: typeBase + "validation", title: "The request is not valid", status: .unprocessableContent,
            detail: errors.map { "\($0.pointer): \($0.detail)" }.joined(separator: "; "), errors: errors)
    }

    /// 401: no credentials, or credentials that are unknown, expired or revoked.
    public static func unauthorized(_ detail: String, error: String? = nil) -> ProblemDetails {
        let challenge = error.map { #"Bearer realm="recovery", error="\#($0)""# } ?? #"Bearer realm="recovery""#
        return ProblemDetails(
            type: typeBase + "unauthorized", title: "Authentication required", status: .unauthorized, detail: detail,
            headers: [.wwwAuthenticate: challenge])
    }

    /// 403: the caller is known but its role may not do this.
    public static func forbidden(_ detail: String) -> ProblemDetails {
        ProblemDetails(type: typeBase + "forbidden", title: "Not allowed", status: .forbidden, detail: detail)
    }

    public static func conflict(_ detail: String, type slug: String = "conflict", location: String? = nil) -> ProblemDetails {
        var headers: HTTPFields = [:]
        if let location { headers[.location] = location }
        return ProblemDetails(type: typeBase + slug, title: "Conflict", status: .conflict, detail: detail, headers: headers)
    }

    public static func preconditionFailed(_ detail: String) -> ProblemDetails {
        ProblemDetails(type: typeBase + "stale-version", title: "Precondition failed", status: .preconditionFailed, detail: detail)
    }

    public static func tooManyRequests(_ detail: String, retryAfterSeconds: Int) -> ProblemDetails {
        ProblemDetails(
            type: typeBase + "too-many-attempts", title: "Too many attempts", status: .tooManyRequests, detail: detail,
            headers: [.retryAfter: String(retryAfterSeconds)])
    }

    public static func badRequest(_ detail: String) -> ProblemDetails {
        ProblemDetails(type: typeBase + "bad-request", title: "Bad request", status: .badRequest, detail: detail)
    }

    /// 503 with `Retry-After`: what the service needs (the database, a rebuild) is not there now.
    public static func unavailable(_ detail: String, retryAfterSeconds: Int = 5) -> ProblemDetails {
        ProblemDetails(
            type: typeBase + "unavailable", title: "Service unavailable", status: .serviceUnavailable, detail: detail,
            headers: [.retryAfter: String(retryAfterSeconds)])
    }

    public static let internalError = ProblemDetails(
        type: typeBase + "internal", title: "Internal error", status: .internalServerError,
        detail: "The server could not complete the request; it has been logged with the request id.")
}
