import Hummingbird
import Logging
import Postgres

/// Turns every error a route throws into an `application/problem+json` response.
///
/// `ProblemDetails` render themselves; Hummingbird's `HTTPError`s (unknown route, bad method,
/// undecodable body) keep their status; a database that cannot serve now (down, at its connection
/// limit, disk full, no connection free in time) is a 503, with `Retry-After` unless the connection
/// was lost while a statement of a request that may change something ran (its outcome unknown; a
/// read, `GET` or `HEAD`, changes nothing and may always be repeated); anything else is a
/// 500 whose cause is logged (without personal data) under the request id, never sent to the client.
public struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as ProblemDetails {
            return try problem.response(from: request, context: context)
        } catch let error as HTTPError {
            let title = error.status.reasonPhrase
            let slug = title.lowercased().split(separator: " ").joined(separator: "-")
            let problem = ProblemDetails(
                type: ProblemDetails.typeBase + slug, title: title, status: error.status,
                detail: error.body ?? Self.defaultDetail(error.status, request))
            return try problem.response(from: request, context: context)
        } catch let error as PostgresError where error.unavailability != nil {
            // Nothing wrong with the request: the database cannot serve it now. 503; `Retry-After`
            // only when nothing of it can have been saved.
            let (reason, retrySafe) = error.unavailability ?? ("the database is unavailable", false)
            context.logger.warning("Database unavailable", metadata: ["reason": "\(reason)", "sqlstate": "\(error.sqlState ?? "-")"])
            guard retrySafe || request.method == .get || request.method == .head else {
                return try ProblemDetails(
                    type: ProblemDetails.typeBase + "outcome-unknown", title: "Service unavailable", status: .serviceUnavailable,
                    detail: "The service cannot answer right now: \(reason). A change it made may or may not have been saved: "
                        + "check before repeating it (or repeat it with the same Idempotency-Key)."
                ).response(from: request, context: context)
            }
            return try ProblemDetails.unavailable("The service cannot answer right now: \(reason). Try again shortly.", retryAfterSeconds: 2)
                .response(from: request, context: context)
        } catch {
            context.logger.error("Request failed", metadata: ["error": "\(error)", "error.type": "\(type(of: error))"])
            return try ProblemDetails.internalError.response(from: request, context: context)
        }
    }

    private static func defaultDetail(_ status: HTTPResponse.Status, _ request: Request) -> String {
        switch status {
        case .notFound: return "No resource at \(request.uri.path)"
        case .methodNotAllowed: return "\(request.method) is not allowed on \(request.uri.path)"
        default: return status.reasonPhrase
        }
    }
}
