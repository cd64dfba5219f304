import HTTPTypes
import Hummingbird

/// Adds the headers every answer of a service carries, errors included, unless the route set its
/// own (the dashboard's pages and assets do): no content-type sniffing, no framing, no referrer,
/// nothing loaded by an answer rendered as a page, and nothing cached (answers hold personal data).
/// HTTPS and its `Strict-Transport-Security` are the reverse proxy's (deploy/README.md).
public struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public static var headers: HTTPFields {
        [
            HTTPField.Name("X-Content-Type-Options")!: "nosniff",
            HTTPField.Name("Content-Security-Policy")!: "default-src 'none'; frame-ancestors 'none'",
            HTTPField.Name("X-Frame-Options")!: "DENY",
            HTTPField.Name("Referrer-Policy")!: "no-referrer",
            .cacheControl: "no-store",
        ]
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        for field in Self.headers where response.headers[field.name] == nil {
            response.headers.append(field)
        }
        return response
    }
}
