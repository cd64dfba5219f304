import Foundation

/// One versioned event type of the catalogue: its topic and the fields its payload must have.
public struct EventDefinition: Sendable, Hashable {
    /// What a payload field must hold.
    public enum FieldKind: String, Sendable, Hashable {
        case string, integer, number, boolean, uuid, date, timestamp, object, array
    }

    public struct Field: Sendable, Hashable {
        public let name: String
        public let kind: FieldKind
        public let required: Bool
        /// The only values a string field may hold (an `EventValue` type's raw values), if limited.
        public let values: [String]?
        public init(_ name: String, _ kind: FieldKind, required: Bool = true, values: [String]? = nil) {
            self.name = name
            self.kind = kind
            self.required = required
            self.values = values
        }
    }

    /// `registry.person.registered`: the producing service first.
    public let type: String
    public let version: Int
    /// Consumers subscribe to topics (`registry.person`); events of a topic share a stream.
    public let topic: String
    public let summary: String
    public let fields: [Field]

    public init(type: String, version: Int, topic: String, summary: String, fields: [Field]) {
        self.type = type
        self.version = version
        self.topic = topic
        self.summary = summary
        self.fields = fields
    }

    /// The problems of `payload` against this definition; empty when it conforms. Fields not in
    /// the definition are refused too, so a typo never passes as an optional field left out.
    public func problems(in payload: JSONValue) -> [String] {
        guard case .object(let object) = payload else { return ["payload: expected a JSON object"] }
        var problems: [String] = []
        let known = Set(fields.map(\.name))
        for name in object.keys.sorted() where !known.contains(name) {
            problems.append("\(name): not a field of \(type) v\(version)")
        }
        for field in fields {
            guard let value = object[field.name], value != .null else {
                if field.required { problems.append("\(field.name): required") }
                continue
            }
            if !Self.matches(value, field.kind) {
                problems.append("\(field.name): expected \(field.kind.rawValue)")
            } else if let values = field.values, case .string(let text) = value, !values.contains(text) {
                problems.append("\(field.name): expected one of \(values.joined(separator: ", "))")
            }
        }
        return problems
    }

    private static func matches(_ value: JSONValue, _ kind: FieldKind) -> Bool {
        switch (kind, value) {
        case (.string, .string): return true
        case (.integer, .number(let number)): return number.rounded() == number && abs(number) < 9_007_199_254_740_992
        case (.number, .number): return true
        case (.boolean, .bool): return true
        case (.uuid, .string(let text)): return UUID(uuidString: text) != nil
        case (.date, .string(let text)): return CalendarDateText.isValid(text)
        case (.timestamp, .string(let text)): return (try? Date.ISO8601FormatStyle().parse(text)) != nil
        case (.object, .object): return true
        case (.array, .array): return true
        default: return false
        }
    }
}

/// `YYYY-MM-DD` check without depending on the Postgres module's `CalendarDate` here.
enum CalendarDateText {
    static func isValid(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            (1...12).contains(month), day >= 1
        else { return false }
        let days = [31, (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return day <= days[month - 1]
    }
}
