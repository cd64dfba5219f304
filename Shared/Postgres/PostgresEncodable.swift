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
    public func encodeText() -> String? { uuidString.lowercased() }
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

    public func encodeText() -> String? {
        var text = "{"
        for (index, element) in enumerated() {
            if index > 0 { text += "," }
            guard let value = element.encodeText() else {
                text += "NULL"
                continue
            }
            text += "\""
            for scalar in value.unicodeScalars {
                if scalar == "\"" || scalar == "\\" { text += "\\" }
                text.unicodeScalars.append(scalar)
            }
            text += "\""
        }
        return text + "}"
    }
}
