import Foundation
import Postgres
import Synchronization

/// Reads the payload fields of a `Decodable` type by letting its `init(from:)` run against a
/// decoder that records each key it asks for, with the Swift type and whether it was optional
/// (`decodeIfPresent`). Synthesised conformances ask in declaration order.
public enum FieldProbe {
    static func fields<T: Decodable>(of type: T.Type) -> [EventDefinition.Field] {
        guard let fields = try? probe(T.self) else { preconditionFailure("the fields of \(T.self) cannot be read") }
        return fields
    }

    /// The top-level field names `T`'s `init(from:)` asks for, in order; nil when that cannot be
    /// read (a hand-written `init(from:)` that checks the values it gets).
    public static func names<T: Decodable>(of type: T.Type) -> [String]? {
        let key = ObjectIdentifier(T.self)
        if let known = knownNames.withLock({ $0[key] }) { return known }
        let names = (try? probe(T.self))?.map(\.name)
        knownNames.withLock { $0[key] = .some(names) }
        return names
    }

    /// `names` by type, read once per type (request bodies ask on every request).
    private static let knownNames = Mutex<[ObjectIdentifier: [String]?]>([:])

    /// The top-level fields of `type` with their kinds, optionality and closed sets, or nil (see
    /// `names`): for documenting a request body from the type that decodes it.
    public static func describe(_ type: any Decodable.Type) -> [EventDefinition.Field]? {
        try? probe(type)
    }

    /// One field `init(from:)` asked for, with its Swift type when it asked through a typed
    /// `decode` (nil for a nested container read by hand).
    public struct Member {
        public let field: EventDefinition.Field
        public let type: Any.Type?
    }

    /// The top-level fields of `type` with their Swift types, or nil (see `names`): for
    /// documenting a type field by field, nested types included.
    public static func members(of type: any Decodable.Type) -> [Member]? {
        func open<T: Decodable>(_: T.Type) -> [Member]? {
            let recorder = Recorder()
            guard (try? T(from: ProbeDecoder(recorder: recorder))) != nil else { return nil }
            return recorder.members
        }
        return open(type)
    }

    /// The element type of an array type, nil for any other type.
    public static func elementType(of type: Any.Type) -> Any.Type? {
        (type as? any ProbedArray.Type)?.elementType
    }

    private static func probe<T: Decodable>(_ type: T.Type) throws -> [EventDefinition.Field] {
        let recorder = Recorder()
        _ = try T(from: ProbeDecoder(recorder: recorder))
        return recorder.members.map(\.field)
    }

    /// The catalogue entry of a field named `name` of Swift type `type`.
    static func field(_ name: String, _ type: Any.Type, required: Bool) -> EventDefinition.Field {
        if let choices = closedSet(type) {
            return .init(name, .string, required: required, values: choices.values)
        }
        return .init(name, kind(of: type), required: required)
    }

    /// The first case and the raw values of a type whose values are a closed set of strings (an
    /// `EventValue`, or any `CaseIterable` string enum such as a role), nil for other types.
    public static func closedSet(_ type: Any.Type) -> (first: Any, values: [String])? {
        guard let iterable = type as? any CaseIterable.Type else { return nil }
        func open<T: CaseIterable>(_: T.Type) -> (first: Any, values: [String])? {
            let all = Array(T.allCases)
            let values = all.compactMap { ($0 as? any RawRepresentable)?.rawValue as? String }
            guard let first = all.first, values.count == all.count else { return nil }
            return (first, values)
        }
        return open(iterable)
    }

    /// The kind a payload field of Swift type `type` has.
    static func kind(of type: Any.Type) -> EventDefinition.FieldKind {
        switch type {
        case is UUID.Type: .uuid
        case is CalendarDate.Type: .date
        case is Date.Type: .timestamp
        case is String.Type: .string
        case is any FixedWidthInteger.Type: .integer
        case is Double.Type, is Float.Type, is Decimal.Type: .number
        case is Bool.Type: .boolean
        case is any ProbedArray.Type: .array
        default: .object
        }
    }

    /// A stand-in value of a field's type, for `init(from:)` to go on with.
    static func placeholder<T: Decodable>(_ type: T.Type) throws -> T {
        let value: Any? =
            switch type {
            case is UUID.Type: UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
            case is CalendarDate.Type: CalendarDate(daysSinceEpoch: 0)
            case is Date.Type: Date(timeIntervalSince1970: 0)
            case is String.Type: ""
            case is Bool.Type: false
            case is Double.Type: 0.0
            case is Float.Type: Float(0)
            case is Decimal.Type: Decimal(0)
            case let integer as any FixedWidthInteger.Type: integer.zero
            default: nil
            }
        if let value = value as? T { return value }
        if let first = closedSet(type)?.first as? T { return first }
        // Arrays decode empty; nested types are read through a decoder that records nothing.
        return try T(from: ProbeDecoder(recorder: nil))
    }

    final class Recorder {
        var members: [Member] = []

        func record(_ name: String, _ type: Any.Type, required: Bool) {
            members.append(Member(field: FieldProbe.field(name, type, required: required), type: type))
        }

        func record(_ name: String, _ kind: EventDefinition.FieldKind) {
            members.append(Member(field: .init(name, kind), type: nil))
        }
    }
}

/// Marks arrays for `FieldProbe.kind(of:)`.
protocol ProbedArray {
    static var elementType: Any.Type { get }
}
extension Array: ProbedArray {
    static var elementType: Any.Type { Element.self }
}

private struct ProbeDecoder: Decoder {
    let recorder: FieldProbe.Recorder?
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(ProbeKeyedContainer<Key>(recorder: recorder))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer { EmptyUnkeyedContainer() }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { ProbeSingleValue() }
}

private struct ProbeKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let recorder: FieldProbe.Recorder?
    var codingPath: [any CodingKey] { [] }
    var allKeys: [Key] { [] }

    func contains(_ key: Key) -> Bool { true }
    func decodeNil(forKey key: Key) throws -> Bool { false }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try record(key, T.self, required: true) }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? { recordAbsent(key, T.self) }

    /// Notes the field and hands `init(from:)` a stand-in value of its type.
    private func record<T: Decodable>(_ key: Key, _ type: T.Type, required: Bool) throws -> T {
        recorder?.record(key.stringValue, T.self, required: required)
        return try FieldProbe.placeholder(T.self)
    }

    /// Notes an optional field and answers that it is absent (the value a hand-written
    /// `init(from:)` can always accept).
    private func recordAbsent<T: Decodable>(_ key: Key, _ type: T.Type) -> T? {
        recorder?.record(key.stringValue, T.self, required: false)
        return nil
    }

    // The concrete overloads have default implementations that do not reach the generic ones.
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try record(key, type, required: true) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try record(key, type, required: true) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try record(key, type, required: true) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try record(key, type, required: true) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try record(key, type, required: true) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try record(key, type, required: true) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try record(key, type, required: true) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try record(key, type, required: true) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try record(key, type, required: true) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try record(key, type, required: true) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try record(key, type, required: true) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try record(key, type, required: true) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try record(key, type, required: true) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try record(key, type, required: true) }
    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? { recordAbsent(key, type) }
    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? { recordAbsent(key, type) }
    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? { recordAbsent(key, type) }
    func decodeIfPresent(_ type: Float.Type, forKey key: Key) throws -> Float? { recordAbsent(key, type) }
    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { recordAbsent(key, type) }
    func decodeIfPresent(_ type: Int8.Type, forKey key: Key) throws -> Int8? { recordAbsent(key, type) }
    func decodeIfPresent(_ type: Int16.Type, forKey key: Key) throws -> Int16? { recordAbsent(key, type) }
    func decodeIfPresent(_ type: Int32.Type, forKey key: Key) throws -> Int32? { recordAbsent(key, type) }
    func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? { recordAbsent(key, type) }
    func decodeIfPresent(_ type: UInt.Type, forKey key: Key) throws -> UInt? { recordAbsent(key, type) }
    func decodeIfPresent(_ type: UInt8.Type, forKey key: Key) throws -> UInt8? { recordAbsent(key, type) }
    func decodeIfPresent(_ type: UInt16.Type, forKey key: Key) throws -> UInt16? { recordAbsent(key, type) }
    func decodeIfPresent(_ type: UInt32.Type, forKey key: Key) throws -> UInt32? { recordAbsent(key, type) }
    func decodeIfPresent(_ type: UInt64.Type, forKey key: Key) throws -> UInt64? { recordAbsent(key, type) }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        recorder?.record(key.stringValue, .object)
        return KeyedDecodingContainer(ProbeKeyedContainer<NestedKey>(recorder: nil))
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        recorder?.record(key.stringValue, .array)
        return EmptyUnkeyedContainer()
    }

    func superDecoder() throws -> any Decoder { ProbeDecoder(recorder: nil) }
    func superDecoder(forKey key: Key) throws -> any Decoder { ProbeDecoder(recorder: nil) }
}

private struct EmptyUnkeyedContainer: UnkeyedDecodingContainer {
    var codingPath: [any CodingKey] { [] }
    var count: Int? { 0 }
    var isAtEnd: Bool { true }
    var currentIndex: Int { 0 }

    mutating func decodeNil() throws -> Bool { true }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        throw DecodingError.valueNotFound(T.self, .init(codingPath: [], debugDescription: "empty"))
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        KeyedDecodingContainer(ProbeKeyedContainer<NestedKey>(recorder: nil))
    }
    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { EmptyUnkeyedContainer() }
    mutating func superDecoder() throws -> any Decoder { ProbeDecoder(recorder: nil) }
}

/// A single value: the placeholder of the asked type.
private struct ProbeSingleValue: SingleValueDecodingContainer {
    var codingPath: [any CodingKey] { [] }
    func decodeNil() -> Bool { false }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try FieldProbe.placeholder(T.self) }
}
