import EventBus
import Foundation
import Hummingbird

extension Request {
    /// Decodes the JSON body as `T`, or throws a `ProblemDetails` saying what is wrong and where:
    /// 400 for a body that is not JSON, 413 for one over `limit` bytes, 422 with a JSON Pointer for
    /// a missing field or a value of the wrong type.
    public func decodeJSON<T: Decodable>(as type: T.Type, context: AppRequestContext, limit: Int = 1 << 20) async throws -> T {
        try Self.decodeJSON(T.self, from: try await collectJSONBody(limit: limit), context: context)
    }

    /// 415 unless the `Content-Type` header says the body is `mediaType` (parameters such as
    /// `charset` aside; `application/json` also accepts `application/*+json`).
    public func requireContentType(_ mediaType: String) throws {
        let sent = headers[.contentType]?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        if let sent, sent == mediaType || (mediaType == "application/json" && sent.hasPrefix("application/") && sent.hasSuffix("+json")) {
            return
        }
        throw ProblemDetails(
            type: ProblemDetails.typeBase + "unsupported-media-type", title: "Unsupported media type", status: .unsupportedMediaType,
            detail: "The body must be \(mediaType), " + (sent.map { "not \($0)." } ?? "with a Content-Type header saying so."))
    }

    /// The body's bytes after checking it is sent as JSON (415 otherwise); see `collectBody`.
    public func collectJSONBody(limit: Int = 1 << 20) async throws -> Data {
        try requireContentType("application/json")
        return try await collectBody(limit: limit)
    }

    /// The body's bytes: 413 over `limit`, 400 when empty.
    public func collectBody(limit: Int = 1 << 20) async throws -> Data {
        let data = try await collectBodyOrNothing(limit: limit)
        guard !data.isEmpty else { throw ProblemDetails.badRequest("The request needs a JSON body.") }
        return data
    }

    /// The body's bytes, empty when none was sent: 413 over `limit`.
    public func collectBodyOrNothing(limit: Int = 1 << 20) async throws -> Data {
        do {
            return Data(try await body.collect(upTo: limit).readableBytesView)
        } catch {
            throw ProblemDetails(
                type: ProblemDetails.typeBase + "too-large", title: "Request body too large", status: .contentTooLarge,
                detail: "The body may be at most \(limit) bytes.")
        }
    }

    /// Decodes `data` as `T`, or throws the problem `decodeJSON` describes.
    /// Fields `T` does not have are refused (422, one pointer each), as `JSONFields` refuses them,
    /// and so is text holding control characters other than tab and line breaks.
    public static func decodeJSON<T: Decodable>(_ type: T.Type, from data: Data, context: AppRequestContext) throws -> T {
        var validator = FieldValidator()
        if let parsed = try? JSONValue.parse(data) {
            if case .object(let members) = parsed {
                // The route's declared body (nested objects too), else the type's top-level fields.
                if let schema = context.requestBody?.schema(parameters: { context.parameters.get($0) }) {
                    schema.refuseUnknown(in: members, at: "", &validator)
                } else if let names = FieldProbe.names(of: T.self) {
                    let known = Set(names)
                    for name in members.keys.sorted() where !known.contains(name) { validator.add("/\(name)", "is not a field of this request") }
                }
            }
            refuseControlCharacters(in: parsed, at: "", &validator)
        }
        let value: T
        do {
            value = try context.requestDecoder.decode(T.self, from: data)
        } catch let error as DecodingError {
            // A misspelt field is named together with the field it was meant to be.
            let problem = problem(error)
            guard !validator.errors.isEmpty, problem.statusCode == 422 else { throw problem }
            throw ProblemDetails.validation(validator.errors + (problem.errors ?? []))
        }
        try validator.finish()
        return value
    }

    /// Adds a problem for each string in `value` that holds a control character.
    private static func refuseControlCharacters(in value: JSONValue, at pointer: String, _ validator: inout FieldValidator) {
        switch value {
        case .string(let text):
            if let character = text.firstControlCharacter(allowingLineBreaks: true) {
                validator.add(pointer.isEmpty ? "/" : pointer, controlCharacterProblem(character))
            }
        case .object(let members):
            for (key, member) in members.sorted(by: { $0.key < $1.key }) { refuseControlCharacters(in: member, at: pointer + "/" + key, &validator) }
        case .array(let items):
            for (index, item) in items.enumerated() { refuseControlCharacters(in: item, at: pointer + "/\(index)", &validator) }
        default: break
        }
    }

    static func problem(_ error: DecodingError) -> ProblemDetails {
        func pointer(_ path: [any CodingKey]) -> String {
            "/" + path.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: "/")
        }
        switch error {
        case .keyNotFound(let key, let context):
            return .validation([.init(pointer: pointer(context.codingPath + [key]), detail: "is required")])
        case .typeMismatch(let expected, let context):
            return .validation([.init(pointer: pointer(context.codingPath), detail: "must be \(describe(expected))")])
        case .valueNotFound(let expected, let context):
            return .validation([.init(pointer: pointer(context.codingPath), detail: "must be \(describe(expected)), not null")])
        case .dataCorrupted(let context) where !context.codingPath.isEmpty:
            return .validation([.init(pointer: pointer(context.codingPath), detail: context.debugDescription)])
        default:
            return .badRequest("The body is not valid JSON.")
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int32.Type, is Int64.Type: "a whole number"
        case is Double.Type, is Decimal.Type: "a number"
        case is Bool.Type: "true or false"
        case is Date.Type: "an ISO 8601 date-time"
        case is UUID.Type: "a UUID"
        default: "of type \(type)"
        }
    }
}
