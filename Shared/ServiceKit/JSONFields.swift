import EventBus
import Foundation
import Hummingbird
import Postgres

/// A request's JSON object, checked against the operation's declared `BodySchema` (see
/// `DeclaredBody`): every invalid, missing or unknown field is collected with its JSON Pointer, so
/// a client learns about all of them in one 422 answer. The accessors return the checked values;
/// a handler adds its own rules (dates in the past, fields that depend on each other) to
/// `validator` and calls `finish()`.
public struct JSONFields: Sendable {
    public enum Presence<Value: Sendable>: Sendable {
        /// The field is not in the object, or its value was refused.
        case absent
        /// The field is `null` (or empty text).
        case null
        case value(Value)

        public var value: Value? {
            if case .value(let value) = self { return value }
            return nil
        }
    }

    private let raw: [String: JSONValue]
    private let checked: [String: JSONValue]
    private let schema: BodySchema
    private let pointer: String
    public var validator: FieldValidator

    /// Checks `object` (found at `pointer`) against `schema`, adding each problem to `validator`.
    public init(_ object: [String: JSONValue], schema: BodySchema, pointer: String = "") {
        var validator = FieldValidator()
        self.checked = schema.check(object, at: pointer, &validator)
        self.raw = object
        self.schema = schema
        self.pointer = pointer
        self.validator = validator
    }

    /// The request's JSON body checked against the body its route declares: 415 unless sent as
    /// JSON, 400 when it is not JSON, 422 when not an object. A body the route declares optional
    /// reads as `{}` when none is sent.
    public static func body(of request: Request, context: AppRequestContext) async throws -> JSONFields {
        let (declared, schema) = try declaration(context)
        guard declared.required else {
            // Nothing sent reads as `{}`; anything sent must still be JSON (415 otherwise).
            let data = try await request.collectBodyOrNothing()
            if data.isEmpty { return JSONFields([:], schema: schema) }
            try request.requireContentType("application/json")
            return try parse(data, schema: schema)
        }
        return try parse(try await request.collectJSONBody(), schema: schema)
    }

    /// `data` (a body already read) checked against the body its route declares (see `body`).
    public static func parse(_ data: Data, context: AppRequestContext) throws -> JSONFields {
        try parse(data, schema: try declaration(context).1)
    }

    /// The body the route declares and the schema it takes for this request's path.
    private static func declaration(_ context: AppRequestContext) throws -> (DeclaredBody, BodySchema) {
        guard let declared = context.requestBody, let schema = declared.schema(parameters: { context.parameters.get($0) }) else {
            throw UndeclaredBody()
        }
        return (declared, schema)
    }

    /// `data` as a JSON object checked against `schema` (400 when it is not JSON, 422 when not an
    /// object).
    public static func parse(_ data: Data, schema: BodySchema) throws -> JSONFields {
        let value: JSONValue
        do {
            value = try JSONValue.parse(data)
        } catch let error as JSONValue.ParseError {
            throw ProblemDetails.badRequest("The body is not valid JSON (\(error.reason) at byte \(error.offset)).")
        }
        guard case .object(let object) = value else {
            throw ProblemDetails.validation([.init(pointer: "/", detail: "must be a JSON object")])
        }
        return JSONFields(object, schema: schema)
    }

    public func path(_ key: String) -> String { pointer + "/" + key }

    /// Whether the body has the field at all (valid or not, `null` included).
    public func has(_ key: String) -> Bool { raw[key] != nil }

    /// The checked value of `key`, which the schema must declare (a field it does not declare
    /// was refused, so it reads as absent).
    private func presence(_ key: String) -> Presence<JSONValue> {
        assert(schema[key] != nil, "\(key) is not a declared field of this body")
        switch checked[key] {
        case nil: return .absent
        case .null?: return .null
        case let value?: return .value(value)
        }
    }

    /// A text field, trimmed of surrounding white space (empty text reads as `null`).
    public func string(_ key: String) -> Presence<String> {
        switch presence(key) {
        case .value(.string(let text)): .value(text)
        case .null: .null
        default: .absent
        }
    }

    public func bool(_ key: String) -> Presence<Bool> {
        switch presence(key) {
        case .value(.bool(let value)): .value(value)
        case .null: .null
        default: .absent
        }
    }

    public func integer(_ key: String) -> Presence<Int> {
        switch presence(key) {
        case .value(.number(let number)): .value(Int(number))
        case .null: .null
        default: .absent
        }
    }

    /// A number field (not for money: money is whole đồng, an integer).
    public func number(_ key: String) -> Presence<Double> {
        switch presence(key) {
        case .value(.number(let number)): .value(number)
        case .null: .null
        default: .absent
        }
    }

    /// A calendar date field.
    public func date(_ key: String) -> Presence<CalendarDate> {
        switch presence(key) {
        case .value(.string(let text)): CalendarDate(text).map { .value($0) } ?? .absent
        case .null: .null
        default: .absent
        }
    }

    /// A list of text values.
    public func stringArray(_ key: String) -> Presence<[String]> {
        switch presence(key) {
        case .value(.array(let items)): .value(items.compactMap { if case .string(let text) = $0 { text } else { nil } })
        case .null: .null
        default: .absent
        }
    }

    /// A list of objects, each read with its declared fields (their problems are already in
    /// `validator`).
    public func objects(_ key: String) -> [JSONFields] {
        guard case .value(.array(let items)) = presence(key), case .array(.object(let item?), _)? = schema[key]?.schema else { return [] }
        return items.enumerated().compactMap { index, value in
            guard case .object(let object) = value else { return nil }
            return JSONFields(object, schema: item, pointer: path(key) + "/\(index)")
        }
    }

    /// A nested object, read with its declared fields (its problems are already in `validator`);
    /// nil when absent, null or refused.
    public func object(_ key: String) -> JSONFields? {
        guard case .value(.object(let object)) = presence(key), case .object(let nested?)? = schema[key]?.schema else { return nil }
        return JSONFields(object, schema: nested, pointer: path(key))
    }

    public func finish() throws { try validator.finish() }
}

/// A handler read a JSON body its route does not declare (a programming error: answered 500).
struct UndeclaredBody: Error, CustomStringConvertible {
    var description: String { "the route declares no JSON body for this request (SecuredRoutes.on(body:))" }
}
