import EventBus
import Foundation
import Postgres

/// The declared type of one input value (a body field or a query parameter): what it accepts, how
/// a refusal reads, and its JSON Schema. Declared once per field, it both checks the request and
/// documents the operation, so the two cannot drift.
public indirect enum ValueSchema: Sendable {
    /// Text, trimmed of surrounding white space. `maxLength` in characters; `values`, the only
    /// ones accepted; `format`, a shape it must have.
    case string(maxLength: Int?, values: [String]?, format: StringFormat?)
    /// A whole number from `minimum` to `maximum` (either may be open).
    case integer(minimum: Int?, maximum: IntegerBound?)
    /// Any JSON number.
    case number
    case boolean
    /// A calendar date written `YYYY-MM-DD`.
    case date
    /// An ISO 8601 date and time.
    case dateTime
    /// A list of at most `maxCount` values of one schema.
    case array(ValueSchema, maxCount: Int?)
    /// An object with declared fields (nil: any object, documented only).
    case object(BodySchema?)
    /// One of several shapes (documentation of answers only: never checks a request).
    case alternatives([ValueSchema])

    /// A shape a string must have beyond its length.
    public enum StringFormat: Sendable, Equatable {
        case uuid
        /// An e-mail address (`ContactFormat.isEmail`).
        case email
        /// A phone number (`ContactFormat.isPhone`).
        case phone
        /// Two digits: a province code.
        case provinceCode
        /// Five digits: a commune code.
        case communeCode
        /// An administrative unit's code: one to five digits.
        case unitCode
        /// Twelve digits (a CCCD) or nine (an old CMND).
        case nationalID
        /// Text that may span lines: tab and line breaks allowed (other control characters never
        /// are, in any text).
        case multiline
        /// Words to search for: `letters` letters or digits once folded (`SearchText.fold`).
        case searchText(letters: ClosedRange<Int>)
    }

    /// The upper bound of an integer: fixed, or the current calendar year.
    public enum IntegerBound: Sendable {
        case value(Int)
        case currentYear

        var resolved: Int { if case .value(let value) = self { value } else { CalendarDate.today().year } }
    }

    /// A string of at most `maxLength` characters; `multiline`: tab and line breaks allowed.
    public static func text(maxLength: Int, multiline: Bool = false) -> ValueSchema {
        .string(maxLength: maxLength, values: nil, format: multiline ? .multiline : nil)
    }

    /// One of `values`.
    public static func oneOf(_ values: [String]) -> ValueSchema { .string(maxLength: nil, values: values, format: nil) }

    /// A string of `format`.
    public static func formatted(_ format: StringFormat, maxLength: Int? = nil) -> ValueSchema {
        .string(maxLength: maxLength, values: nil, format: format)
    }

    public static let uuid = formatted(.uuid)

    /// A whole number in `range`.
    public static func integer(_ range: ClosedRange<Int>) -> ValueSchema { .integer(minimum: range.lowerBound, maximum: .value(range.upperBound)) }

    /// Checks `value` (never null: the caller handles absence and null) and returns it in normal
    /// form (strings trimmed), or nil after adding to `validator` why it is refused at `pointer`.
    func check(_ value: JSONValue, at pointer: String, _ validator: inout FieldValidator) -> JSONValue? {
        switch self {
        case .string(let maxLength, let values, let format):
            guard case .string(let raw) = value else {
                validator.add(pointer, "must be a string")
                return nil
            }
            let text = raw.trimmingWhitespace()
            guard !text.isEmpty else {
                validator.add(pointer, "must not be empty")
                return nil
            }
            return checkText(text, maxLength: maxLength, values: values, format: format, at: pointer, &validator)
                .map(JSONValue.string)
        case .integer(let minimum, let maximum):
            guard case .number(let number) = value, number.rounded() == number, abs(number) < 1e15 else {
                validator.add(pointer, "must be a whole number")
                return nil
            }
            return checkInteger(Int(number), minimum: minimum, maximum: maximum, at: pointer, &validator).map { .number(Double($0)) }
        case .number:
            guard case .number = value else {
                validator.add(pointer, "must be a number")
                return nil
            }
            return value
        case .boolean:
            guard case .bool = value else {
                validator.add(pointer, "must be true or false")
                return nil
            }
            return value
        case .date, .dateTime:
            guard case .string(let raw) = value else {
                validator.add(pointer, "must be a string")
                return nil
            }
            return checkText(raw.trimmingWhitespace(), maxLength: nil, values: nil, format: nil, at: pointer, &validator).map(JSONValue.string)
        case .array(let item, let maxCount):
            guard case .array(let items) = value else {
                validator.add(pointer, "must be an array")
                return nil
            }
            if let maxCount, items.count > maxCount {
                validator.add(pointer, "must have at most \(maxCount) items")
                return nil
            }
            var checked: [JSONValue] = []
            for (index, element) in items.enumerated() {
                if case .null = element {
                    validator.add(pointer + "/\(index)", "must not be null")
                } else if let good = item.check(element, at: pointer + "/\(index)", &validator) {
                    checked.append(good)
                }
            }
            return checked.count == items.count ? .array(checked) : nil
        case .object(let schema):
            guard case .object(let members) = value else {
                validator.add(pointer, "must be an object")
                return nil
            }
            guard let schema else { return value }
            let before = validator.errors.count
            let checked = schema.check(members, at: pointer, &validator)
            return validator.errors.count == before ? .object(checked) : nil
        case .alternatives:
            preconditionFailure("alternatives document answers; they check no request")
        }
    }

    /// Checks a text value (already trimmed); `""` is refused (absent values are the caller's).
    func checkText(
        _ text: String, maxLength: Int?, values: [String]?, format: StringFormat?, at pointer: String, _ validator: inout FieldValidator
    ) -> String? {
        if let character = text.firstControlCharacter(allowingLineBreaks: format == .multiline) {
            validator.add(pointer, controlCharacterProblem(character))
            return nil
        }
        switch self {
        case .date:
            guard text.utf8.count == 10, CalendarDate(text) != nil else {
                validator.add(pointer, "must be a date written YYYY-MM-DD")
                return nil
            }
            return text
        case .dateTime:
            guard (try? Date(text, strategy: .iso8601)) != nil else {
                validator.add(pointer, "must be an ISO 8601 date-time like 2026-01-31T00:00:00Z")
                return nil
            }
            return text
        default: break
        }
        if let maxLength, text.count > maxLength {
            validator.add(pointer, "must be at most \(maxLength) characters")
            return nil
        }
        if let values, !values.contains(text) {
            validator.add(pointer, "must be one of \(values.joined(separator: ", "))")
            return nil
        }
        switch format {
        case .uuid?:
            guard UUID(uuidString: text) != nil else {
                validator.add(pointer, "must be a UUID")
                return nil
            }
        case .email?:
            guard ContactFormat.isEmail(text) else {
                validator.add(pointer, "must be an e-mail address")
                return nil
            }
        case .phone?:
            guard ContactFormat.isPhone(text) else {
                validator.add(pointer, "must be a phone number of 8 to 20 digits")
                return nil
            }
        case .provinceCode?, .communeCode?:
            let digits = format == .provinceCode ? 2 : 5
            guard text.utf8.count == digits, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
                validator.add(pointer, "must be a \(digits)-digit \(format == .provinceCode ? "province" : "commune") code")
                return nil
            }
        case .unitCode?:
            guard (1...5).contains(text.utf8.count), text.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
                validator.add(pointer, "must be a unit code")
                return nil
            }
        case .searchText(let letters)?:
            guard letters.contains(SearchText.fold(text).count) else {
                validator.add(pointer, "must have \(letters.lowerBound) to \(letters.upperBound) letters or digits")
                return nil
            }
        case .multiline?: break
        case .nationalID?:
            guard text.utf8.count == 9 || text.utf8.count == 12, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
                validator.add(pointer, "must be 9 or 12 digits")
                return nil
            }
        case nil: break
        }
        return text
    }

    func checkInteger(_ number: Int, minimum: Int?, maximum: IntegerBound?, at pointer: String, _ validator: inout FieldValidator) -> Int? {
        let upper = maximum?.resolved
        guard number >= minimum ?? .min, number <= upper ?? .max else {
            switch (minimum, upper) {
            case (let low?, let high?): validator.add(pointer, "must be from \(low) to \(high)")
            case (let low?, nil): validator.add(pointer, "must be at least \(low)")
            case (nil, let high?): validator.add(pointer, "must be at most \(high)")
            case (nil, nil): break
            }
            return nil
        }
        return number
    }

    /// Checks a query parameter's text against this schema and returns it in normal form, or nil
    /// after adding why it is refused at `pointer`.
    func check(query text: String, at pointer: String, _ validator: inout FieldValidator) -> String? {
        switch self {
        case .integer(let minimum, let maximum):
            guard let number = Int(text) else {
                validator.add(pointer, "must be a whole number")
                return nil
            }
            return checkInteger(number, minimum: minimum, maximum: maximum, at: pointer, &validator).map(String.init)
        case .boolean:
            guard text == "true" || text == "false" else {
                validator.add(pointer, "must be true or false")
                return nil
            }
            return text
        case .string(let maxLength, let values, let format):
            return checkText(text, maxLength: maxLength, values: values, format: format, at: pointer, &validator)
        case .date, .dateTime:
            return checkText(text, maxLength: nil, values: nil, format: nil, at: pointer, &validator)
        case .number, .array, .object, .alternatives:
            return text
        }
    }

    /// Its JSON Schema; `closed` (a request's body): objects take no other fields.
    func document(closed: Bool = true) -> [String: Any] {
        switch self {
        case .string(let maxLength, let values, let format):
            var schema: [String: Any] = ["type": "string"]
            if let maxLength { schema["maxLength"] = maxLength }
            if let values { schema["enum"] = values }
            switch format {
            case .uuid?: schema["format"] = "uuid"
            case .email?: schema["format"] = "email"
            case .phone?: schema["pattern"] = "^[0-9+. ]{8,20}$"
            case .provinceCode?: schema["pattern"] = "^[0-9]{2}$"
            case .communeCode?: schema["pattern"] = "^[0-9]{5}$"
            case .unitCode?: schema["pattern"] = "^[0-9]{1,5}$"
            case .nationalID?: schema["pattern"] = "^([0-9]{9}|[0-9]{12})$"
            case .multiline?: schema["description"] = "may span lines"
            case .searchText(let letters)?: schema["minLength"] = letters.lowerBound
            case nil: break
            }
            return schema
        case .integer(let minimum, let maximum):
            var schema: [String: Any] = ["type": "integer"]
            if let minimum { schema["minimum"] = minimum }
            switch maximum {
            case .value(let value)?: schema["maximum"] = value
            case .currentYear?: schema["description"] = "at most the current year"
            case nil: break
            }
            return schema
        case .number: return ["type": "number"]
        case .boolean: return ["type": "boolean"]
        case .date: return ["type": "string", "format": "date"]
        case .dateTime: return ["type": "string", "format": "date-time"]
        case .array(let item, let maxCount):
            var schema: [String: Any] = ["type": "array", "items": item.document(closed: closed)]
            if let maxCount { schema["maxItems"] = maxCount }
            return schema
        case .object(let schema): return schema?.document(closed: closed) ?? ["type": "object"]
        case .alternatives(let shapes): return ["oneOf": shapes.map { $0.document(closed: closed) }]
        }
    }

    /// The schema of values of Swift type `type` as they are written in JSON: for documenting the
    /// bodies a `Decodable` type reads and the answers it shapes. Nested types are described
    /// field by field (down to `depth` 6).
    static func describing(_ type: Any.Type, depth: Int = 0) -> ValueSchema {
        if let choices = FieldProbe.closedSet(type) { return .oneOf(choices.values) }
        switch type {
        case is UUID.Type: return .uuid
        case is CalendarDate.Type: return .date
        case is Date.Type: return .dateTime
        case is String.Type: return .string(maxLength: nil, values: nil, format: nil)
        case is any FixedWidthInteger.Type: return .integer(minimum: nil, maximum: nil)
        case is Double.Type, is Float.Type, is Decimal.Type: return .number
        case is Bool.Type: return .boolean
        default: break
        }
        if let shapes = type as? any DocumentedAlternatives.Type {
            return .alternatives(shapes.alternatives.map { describing($0, depth: depth + 1) })
        }
        if let element = FieldProbe.elementType(of: type) { return .array(describing(element, depth: depth + 1), maxCount: nil) }
        if depth < 6, let decodable = type as? any Decodable.Type, let members = FieldProbe.members(of: decodable), !members.isEmpty {
            return .object(BodySchema(describing: members, depth: depth + 1))
        }
        return .object(nil)
    }

    /// The schema of an event-catalogue field kind (a nested container read by hand).
    init(_ kind: EventDefinition.FieldKind, values: [String]?) {
        switch kind {
        case .string: self = .string(maxLength: nil, values: values, format: nil)
        case .integer: self = .integer(minimum: nil, maximum: nil)
        case .number: self = .number
        case .boolean: self = .boolean
        case .uuid: self = .uuid
        case .date: self = .date
        case .timestamp: self = .dateTime
        case .object: self = .object(nil)
        case .array: self = .array(.object(nil), maxCount: nil)
        }
    }
}

/// A value written as one of several types (a record seen differently by different roles): its
/// documentation lists each.
public protocol DocumentedAlternatives {
    static var alternatives: [any Decodable.Type] { get }
}
