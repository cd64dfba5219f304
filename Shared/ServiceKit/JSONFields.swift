import EventBus
import Foundation
import Hummingbird
import Postgres

/// Reads a JSON object field by field, collecting every problem with its JSON Pointer, so that a
/// client learns about all invalid fields in one 422 answer. Unknown fields are refused too (a
/// misspelt optional field must not pass silently).
public struct JSONFields: Sendable {
    public enum Presence<Value: Sendable>: Sendable {
        /// The field is not in the object.
        case absent
        /// The field is `null`.
        case null
        case value(Value)

        public var value: Value? {
            if case .value(let value) = self { return value }
            return nil
        }
    }

    private let object: [String: JSONValue]
    private let pointer: String
    public var validator: FieldValidator

    public init(_ object: [String: JSONValue], pointer: String = "", validator: FieldValidator = FieldValidator()) {
        self.object = object
        self.pointer = pointer
        self.validator = validator
    }

    /// The request's JSON body as an object (400 when it is not JSON, 422 when not an object).
    public static func body(of request: Request, context: AppRequestContext) async throws -> JSONFields {
        try parse(try await request.collectJSONBody(), context: context)
    }

    /// `data` as a JSON object (400 when it is not JSON, 422 when not an object).
    public static func parse(_ data: Data, context: AppRequestContext) throws -> JSONFields {
        let value: JSONValue
        do {
            value = try JSONValue.parse(data)
        } catch let error as JSONValue.ParseError {
            throw ProblemDetails.badRequest("The body is not valid JSON (\(error.reason) at byte \(error.offset)).")
        }
        guard case .object(let object) = value else {
            throw ProblemDetails.validation([.init(pointer: "/", detail: "must be a JSON object")])
        }
        return JSONFields(object)
    }

    public func path(_ key: String) -> String { pointer + "/" + key }

    public func has(_ key: String) -> Bool { object[key] != nil }

    /// Refuses every field not in `known`.
    public mutating func refuseUnknown(_ known: Set<String>) {
        for key in object.keys.sorted() where !known.contains(key) {
            validator.add(path(key), "is not a field of this request")
        }
    }

    /// A string, trimmed of surrounding white space; `""` counts as absent when `emptyIsNull`.
    public mutating func string(_ key: String, required: Bool = false, maxLength: Int = 1000, emptyIsNull: Bool = true) -> Presence<String> {
        switch object[key] {
        case nil:
            if required { validator.add(path(key), "is required") }
            return .absent
        case .null?:
            if required { validator.add(path(key), "is required") }
            return .null
        case .string(let text)?:
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty && emptyIsNull {
                if required { validator.add(path(key), "must not be empty") }
                return .null
            }
            if trimmed.count > maxLength {
                validator.add(path(key), "must be at most \(maxLength) characters")
                return .absent
            }
            return .value(trimmed)
        default:
            validator.add(path(key), "must be a string")
            return .absent
        }
    }

    public mutating func bool(_ key: String) -> Presence<Bool> {
        switch object[key] {
        case nil: return .absent
        case .null?: return .null
        case .bool(let value)?: return .value(value)
        default:
            validator.add(path(key), "must be true or false")
            return .absent
        }
    }

    public mutating func integer(_ key: String, range: ClosedRange<Int>) -> Presence<Int> {
        switch object[key] {
        case nil: return .absent
        case .null?: return .null
        case .number(let number)? where number.rounded() == number && abs(number) < 1e15:
            guard range.contains(Int(number)) else {
                validator.add(path(key), "must be from \(range.lowerBound) to \(range.upperBound)")
                return .absent
            }
            return .value(Int(number))
        default:
            validator.add(path(key), "must be a whole number")
            return .absent
        }
    }

    /// A calendar date written `YYYY-MM-DD`.
    public mutating func date(_ key: String, required: Bool = false) -> Presence<CalendarDate> {
        switch string(key, required: required, maxLength: 10) {
        case .absent: return .absent
        case .null: return .null
        case .value(let text):
            guard text.count == 10, let date = CalendarDate(text) else {
                validator.add(path(key), "must be a date written YYYY-MM-DD")
                return .absent
            }
            return .value(date)
        }
    }

    public mutating func stringArray(_ key: String, maxCount: Int = 50, maxLength: Int = 100) -> Presence<[String]> {
        switch object[key] {
        case nil: return .absent
        case .null?: return .null
        case .array(let items)?:
            guard items.count <= maxCount else {
                validator.add(path(key), "must have at most \(maxCount) items")
                return .absent
            }
            var strings: [String] = []
            for (index, item) in items.enumerated() {
                guard case .string(let text) = item, !text.isEmpty, text.count <= maxLength else {
                    validator.add(path(key) + "/\(index)", "must be a non-empty string of at most \(maxLength) characters")
                    continue
                }
                strings.append(text)
            }
            return .value(strings)
        default:
            validator.add(path(key), "must be an array of strings")
            return .absent
        }
    }

    /// An array of any JSON values (nil when absent or null).
    public mutating func array(_ key: String, maxCount: Int = 1000) -> [JSONValue]? {
        switch object[key] {
        case nil, .null?: return nil
        case .array(let items)? where items.count <= maxCount: return items
        case .array?:
            validator.add(path(key), "must have at most \(maxCount) items")
            return nil
        default:
            validator.add(path(key), "must be an array")
            return nil
        }
    }

    /// A nested object, read with the same validator (merge it back with `absorb`).
    public mutating func object(_ key: String, required: Bool = false) -> JSONFields? {
        switch object[key] {
        case nil, .null?:
            if required { validator.add(path(key), "is required") }
            return nil
        case .object(let nested)?:
            return JSONFields(nested, pointer: path(key))
        default:
            validator.add(path(key), "must be an object")
            return nil
        }
    }

    /// Takes over the problems a nested reader found.
    public mutating func absorb(_ nested: JSONFields) {
        for error in nested.validator.errors { validator.add(error.pointer, error.detail) }
    }

    public func finish() throws { try validator.finish() }
}
