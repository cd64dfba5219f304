import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore

extension Response {
    /// A JSON response encoded like every other (`APIResponseEncoder`).
    public static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        let text = try APIResponseEncoder.text(value)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

extension Request {
    /// The version an update applies to, from `If-Match: "<n>"`: 428 when missing, 400 when not a
    /// version this API issued.
    public func requiredVersion() throws -> Int {
        guard let header = headers[.ifMatch] else {
            throw ProblemDetails(
                type: ProblemDetails.typeBase + "precondition-required", title: "Precondition required", status: .preconditionRequired,
                detail: "Send If-Match with the ETag of the version you read, so that no change made meanwhile is lost.")
        }
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        let unquoted = trimmed.hasPrefix("W/") ? String(trimmed.dropFirst(2)) : trimmed
        guard unquoted.count >= 3, unquoted.first == "\"", unquoted.last == "\"", let version = Int(unquoted.dropFirst().dropLast()) else {
            throw ProblemDetails.badRequest("If-Match must be an ETag this API issued, like \"3\".")
        }
        return version
    }
}

extension Parameters {
    /// Path parameter `name` as a UUID; a malformed one is a 404 (no such resource), not a 500.
    public func uuid(_ name: String) throws -> UUID {
        guard let text = self.get(name), let id = UUID(uuidString: text) else {
            throw ProblemDetails.notFound("No resource with id '\(self.get(name) ?? "")'.")
        }
        return id
    }
}

extension FlatDictionary where Key == Substring, Value == Substring {
    /// `?limit=`, or `default` when absent. The operation declares its range
    /// (`QueryParameter.limit(maximum:)`), which `SecuredRoutes` checks before the handler runs.
    public func limit(default defaultValue: Int) -> Int {
        self["limit"].flatMap { Int($0) } ?? defaultValue
    }
}
