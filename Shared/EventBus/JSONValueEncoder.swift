import Foundation
import Postgres

/// Encodes an `Encodable` value straight into a `JSONValue`, which publishing both checks
/// against the catalogue and writes out (`JSONValue.text`): one pass, no JSON text parsed back.
///
/// It follows `JSONEncoder` with `.iso8601` dates: optionals left out when nil (as synthesised
/// conformances do), `Date` as ISO 8601 text, `UUID` and `URL` as text. Numbers are doubles, so
/// an integer beyond ±2^53 (which JSON readers cannot hold exactly) and non-finite doubles throw.
public struct JSONValueEncoder: Sendable {
    /// Writes ids in lower case (HTTP answers, as in paths and `Location`); event payloads keep
    /// `UUID.uuidString`'s upper case, which the stored log already holds.
    let lowercaseIDs: Bool

    public init(lowercaseIDs: Bool = false) {
        self.lowercaseIDs = lowercaseIDs
    }

    public func encode(_ value: some Encodable) throws -> JSONValue {
        let encoder = ValueEncoder(codingPath: [], lowercaseIDs: lowercaseIDs)
        try encoder.box(value)
        return encoder.slot.resolved
    }
}

/// Where one encoded value ends up: filled by exactly one container.
private final class Slot {
    var value: JSONValue?
    var object: [String: Slot]?
    var array: [Slot]?

    /// The value, with nested containers' slots resolved.
    var resolved: JSONValue {
        if let object { return .object(object.mapValues(\.resolved)) }
        if let array { return .array(array.map(\.resolved)) }
        return value ?? .null
    }
}

private final class ValueEncoder: Encoder {
    let codingPath: [any CodingKey]
    let lowercaseIDs: Bool
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    let slot = Slot()

    init(codingPath: [any CodingKey], lowercaseIDs: Bool) {
        self.codingPath = codingPath
        self.lowercaseIDs = lowercaseIDs
    }

    func box(_ value: some Encodable) throws {
        switch value {
        case let date as Date: slot.value = .string(date.formatted(.iso8601))
        case let uuid as UUID: slot.value = .string(lowercaseIDs ? uuid.lowercasedString : uuid.uuidString)
        case let url as URL: slot.value = .string(url.absoluteString)
        case let decimal as Decimal: slot.value = .number(try number(NSDecimalNumber(decimal: decimal).doubleValue))
        default: try value.encode(to: self)
        }
    }

    func number(_ value: Double) throws -> Double {
        guard value.isFinite else {
            throw EncodingError.invalidValue(value, .init(codingPath: codingPath, debugDescription: "JSON has no \(value)"))
        }
        return value
    }

    func integer<T: BinaryInteger>(_ value: T) throws -> Double {
        guard value.magnitude <= 9_007_199_254_740_992 else {
            throw EncodingError.invalidValue(value, .init(codingPath: codingPath, debugDescription: "beyond ±2^53, not exact in JSON"))
        }
        return Double(value)
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if slot.object == nil { slot.object = [:] }
        return KeyedEncodingContainer(KeyedContainer<Key>(encoder: self, slot: slot))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if slot.array == nil { slot.array = [] }
        return UnkeyedContainer(encoder: self, slot: slot)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleContainer(encoder: self) }

    /// A child encoder for a nested value at `key`, its slot already linked into the parent.
    func child(_ key: any CodingKey) -> ValueEncoder { ValueEncoder(codingPath: codingPath + [key], lowercaseIDs: lowercaseIDs) }
}

private struct IndexKey: CodingKey {
    let intValue: Int?
    var stringValue: String { "\(intValue ?? 0)" }
    init(intValue: Int) { self.intValue = intValue }
    init?(stringValue: String) { nil }
}

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let encoder: ValueEncoder
    let slot: Slot
    var codingPath: [any CodingKey] { encoder.codingPath }

    func set(_ value: JSONValue, _ key: Key) {
        let child = Slot()
        child.value = value
        slot.object?[key.stringValue] = child
    }

    mutating func encodeNil(forKey key: Key) throws { set(.null, key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { set(.bool(value), key) }
    mutating func encode(_ value: String, forKey key: Key) throws { set(.string(value), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { set(.number(try encoder.number(value)), key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { set(.number(try encoder.number(Double(value))), key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { set(.number(try encoder.integer(value)), key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { set(.number(try encoder.integer(value)), key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { set(.number(try encoder.integer(value)), key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { set(.number(try encoder.integer(value)), key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { set(.number(try encoder.integer(value)), key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { set(.number(try encoder.integer(value)), key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { set(.number(try encoder.integer(value)), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { set(.number(try encoder.integer(value)), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { set(.number(try encoder.integer(value)), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { set(.number(try encoder.integer(value)), key) }

    mutating func encode(_ value: some Encodable, forKey key: Key) throws {
        let child = encoder.child(key)
        try child.box(value)
        slot.object?[key.stringValue] = child.slot
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let child = encoder.child(key)
        slot.object?[key.stringValue] = child.slot
        return child.container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let child = encoder.child(key)
        slot.object?[key.stringValue] = child.slot
        return child.unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { superEncoder(forKey: Key(stringValue: "super")!) }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        let child = encoder.child(key)
        slot.object?[key.stringValue] = child.slot
        return child
    }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer {
    let encoder: ValueEncoder
    let slot: Slot
    var codingPath: [any CodingKey] { encoder.codingPath }
    var count: Int { slot.array?.count ?? 0 }

    func append(_ value: JSONValue) {
        let child = Slot()
        child.value = value
        slot.array?.append(child)
    }

    mutating func encodeNil() throws { append(.null) }
    mutating func encode(_ value: Bool) throws { append(.bool(value)) }
    mutating func encode(_ value: String) throws { append(.string(value)) }
    mutating func encode(_ value: Double) throws { append(.number(try encoder.number(value))) }
    mutating func encode(_ value: Int) throws { append(.number(try encoder.integer(value))) }
    mutating func encode(_ value: Int64) throws { append(.number(try encoder.integer(value))) }

    mutating func encode(_ value: some Encodable) throws {
        let child = encoder.child(IndexKey(intValue: count))
        try child.box(value)
        slot.array?.append(child.slot)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let child = encoder.child(IndexKey(intValue: count))
        slot.array?.append(child.slot)
        return child.container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let child = encoder.child(IndexKey(intValue: count))
        slot.array?.append(child.slot)
        return child.unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        let child = encoder.child(IndexKey(intValue: count))
        slot.array?.append(child.slot)
        return child
    }
}

private struct SingleContainer: SingleValueEncodingContainer {
    let encoder: ValueEncoder
    var codingPath: [any CodingKey] { encoder.codingPath }

    mutating func encodeNil() throws { encoder.slot.value = .null }
    mutating func encode(_ value: Bool) throws { encoder.slot.value = .bool(value) }
    mutating func encode(_ value: String) throws { encoder.slot.value = .string(value) }
    mutating func encode(_ value: Double) throws { encoder.slot.value = .number(try encoder.number(value)) }
    mutating func encode(_ value: Float) throws { encoder.slot.value = .number(try encoder.number(Double(value))) }
    mutating func encode(_ value: Int) throws { encoder.slot.value = .number(try encoder.integer(value)) }
    mutating func encode(_ value: Int8) throws { encoder.slot.value = .number(try encoder.integer(value)) }
    mutating func encode(_ value: Int16) throws { encoder.slot.value = .number(try encoder.integer(value)) }
    mutating func encode(_ value: Int32) throws { encoder.slot.value = .number(try encoder.integer(value)) }
    mutating func encode(_ value: Int64) throws { encoder.slot.value = .number(try encoder.integer(value)) }
    mutating func encode(_ value: UInt) throws { encoder.slot.value = .number(try encoder.integer(value)) }
    mutating func encode(_ value: UInt8) throws { encoder.slot.value = .number(try encoder.integer(value)) }
    mutating func encode(_ value: UInt16) throws { encoder.slot.value = .number(try encoder.integer(value)) }
    mutating func encode(_ value: UInt32) throws { encoder.slot.value = .number(try encoder.integer(value)) }
    mutating func encode(_ value: UInt64) throws { encoder.slot.value = .number(try encoder.integer(value)) }
    mutating func encode(_ value: some Encodable) throws { try encoder.box(value) }
}
