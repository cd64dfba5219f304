import EventBus
import Foundation
import HTTPTypes
import Hummingbird

/// How every JSON answer is written: fields as declared (camelCase), keys sorted, dates in
/// ISO 8601, and ids in lower case, as they appear in paths and `Location` headers.
public struct APIResponseEncoder: ResponseEncoder, Sendable {
    public init() {}

    /// The JSON text of `value`.
    public static func text(_ value: some Encodable) throws -> String {
        try JSONValueEncoder(lowercaseIDs: true).encode(value).text
    }

    public func encode(_ value: some Encodable, from request: Request, context: some RequestContext) throws -> Response {
        try Response.json(value)
    }
}
