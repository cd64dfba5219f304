import Foundation

/// A Swift value that can be bound as a statement parameter.
///
/// Values travel in PostgreSQL's text format next to their type's OID; `nil` from
/// `encodeText()` is SQL NULL.
public protocol PostgresEncodable: Sendable {
    /// The parameter's type; `.unknown` lets the server infer it from the statement.
    static var postgresType: PostgresDataType { get }
    /// The text form the server parses, or nil for NULL.
    func encodeText() -> String?
}

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    public static var postgresType: PostgresDataType { Wrapped.postgresType }
    public func encodeText() -> String? { self?.encodeText() }
}

extension String: PostgresEncodable {
    /// Strings are sent untyped so that they fit text, varchar, enum or uuid columns alike.
    public static var postgresType: PostgresDataType { .unknown }
    public func encodeText() -> String? { self }
}

extension Substring: PostgresEncodable {
    public static var postgresType: PostgresDataType { .unknown }
    public func encodeText() -> String? { String(self) }
}

extension Int: PostgresEncodable {
    public static var postgresType: PostgresDataType { .int8 }
    public func encodeText() -> String? { String(self) }
}

extension Int64: PostgresEncodable {
    public static var postgresType: PostgresDataType { .int8 }
    public func encodeText() -> String? { String(self) }
}

extension Int32: PostgresEncodable {
    public static var postgresType: PostgresDataType { .int4 }
    public func encodeText() -> String? { String(self) }
}

extension Int16: PostgresEncodable {
    public static var postgresType: PostgresDataType { .int2 }
    public func encodeText() -> String? { String(self) }
}

extension Bool: PostgresEncodable {
    public static var postgresType: PostgresDataType { .bool }
    public func encodeText() -> String? { self ? "true" : "false" }
}

extension Double: PostgresEncodable {
    public static var postgresType: PostgresDataType { .float8 }
    public func encodeText() -> String? {
        if isNaN { return "NaN" }
        if isInfinite { return self > 0 ? "Infinity" : "-Infinity" }
        return description
    }
}

extension Decimal: PostgresEncodable {
    public static var postgresType: PostgresDataType { .numeric }
    public func encodeText() -> String? { isNaN ? "NaN" : description }
}

extension UUID: PostgresEncodable {
    public static var postgresType: PostgresDataType { .uuid }
    public func encodeText() -> String? { lowercasedString }
}

extension CalendarDate: PostgresEncodable {
    public static var postgresType: PostgresDataType { .date }
    public func encodeText() -> String? { description }
}

extension Date: PostgresEncodable {
    public static var postgresType: PostgresDataType { .timestamptz }
    public func encodeText() -> String? { TimestampFormat.format(self) }
}

extension Data: PostgresEncodable {
    public static var postgresType: PostgresDataType { .bytea }
    public func encodeText() -> String? {
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(2 + count * 2)
        out.append(UInt8(ascii: "\\"))
        out.append(UInt8(ascii: "x"))
        for byte in self {
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension Array: PostgresEncodable where Element: PostgresEncodable {
    /// One-dimensional arrays; elements may be optional (NULL elements).
    public static var postgresType: PostgresDataType {
        let element = Element.postgresType
        return element == .unknown ? .textArray : element.arrayType
    }

    /// Built byte by byte on the UTF-8 form (a quote or backslash byte never occurs inside a
    /// multi-byte character): an import binds arrays of thousands of values per statement.
    public func encodeText() -> String? {
        let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")
        var bytes: [UInt8] = []
        bytes.reserveCapacity(2 + count * 16)
        bytes.append(UInt8(ascii: "{"))
        for (index, element) in enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            guard var value = element.encodeText() else {
                bytes.append(contentsOf: "NULL".utf8)
                continue
            }
            bytes.append(quote)
            value.withUTF8 { utf8 in
                guard utf8.contains(where: { $0 == quote || $0 == backslash }) else {
                    bytes.append(contentsOf: utf8)
                    return
                }
                for byte in utf8 {
                    if byte == quote || byte == backslash { bytes.append(backslash) }
                    bytes.append(byte)
                }
            }
            bytes.append(quote)
        }
        bytes.append(UInt8(ascii: "}"))
        return String(decoding: bytes, as: UTF8.self)
    }
}
