import Foundation

/// A Swift value that can be read from a result column (text format).
public protocol PostgresDecodable: Sendable {
    /// Decodes a non-NULL value of the column's type `type` from its text bytes.
    /// Throw `PostgresDecodingFailure` to say why; the row adds the column and types.
    static func decode(text: UnsafeBufferPointer<UInt8>, type: PostgresDataType) throws -> Self
    /// The value for SQL NULL; non-optional types throw.
    static func decodeNull() throws -> Self
}

extension PostgresDecodable {
    public static func decodeNull() throws -> Self { throw PostgresDecodingFailure.unexpectedNull }
}

/// Why a value could not be decoded; the row turns it into a `PostgresDecodingError`.
public enum PostgresDecodingFailure: Error, Sendable {
    case unexpectedNull
    case typeMismatch
    case malformed
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public static func decode(text: UnsafeBufferPointer<UInt8>, type: PostgresDataType) throws -> Self {
        try Wrapped.decode(text: text, type: type)
    }
    public static func decodeNull() throws -> Self { nil }
}

extension String: PostgresDecodable {
    /// Any column can be read as its text form (text, varchar, enums, uuid, numeric…).
    public static func decode(text: UnsafeBufferPointer<UInt8>, type: PostgresDataType) throws -> String {
        String(decoding: text, as: UTF8.self)
    }
}

/// Parses a decimal integer from ASCII bytes without allocating.
@inline(__always)
func parseInteger(_ text: UnsafeBufferPointer<UInt8>) -> Int64? {
    guard !text.isEmpty else { return nil }
    var index = 0
    var negative = false
    if text[0] == UInt8(ascii: "-") {
        negative = true
        index = 1
    }
    guard index < text.count else { return nil }
    var value: Int64 = 0
    while index < text.count {
        let digit = text[index] &- 48
        guard digit < 10 else { return nil }
        let (times, o1) = value.multipliedReportingOverflow(by: 10)
        let (sum, o2) = negative ? times.subtractingReportingOverflow(Int64(digit)) : times.addingReportingOverflow(Int64(digit))
        guard !o1, !o2 else { return nil }
        value = sum
        index += 1
    }
    return value
}

/// The integer types (a switch on the number: a `Set` hashed on every decoded column).
private enum IntegerTypes {
    static func contains(_ type: PostgresDataType) -> Bool {
        switch type.rawValue {
        case 21, 23, 20, 26, 5069: true  // int2, int4, int8, oid, xid8
        default: false
        }
    }
}

extension FixedWidthInteger where Self: SignedInteger {
    fileprivate static func decodeInteger(_ text: UnsafeBufferPointer<UInt8>, _ type: PostgresDataType) throws -> Self {
        guard IntegerTypes.contains(type) else { throw PostgresDecodingFailure.typeMismatch }
        guard let wide = parseInteger(text), let value = Self(exactly: wide) else {
            throw PostgresDecodingFailure.malformed
        }
        return value
    }
}

extension Int: PostgresDecodable {
    public static func decode(text: UnsafeBufferPointer<UInt8>, type: PostgresDataType) throws -> Int {
        try decodeInteger(text, type)
    }
}

extension Int64: PostgresDecodable {
    public static func decode(text: UnsafeBufferPointer<UInt8>, type: PostgresDataType) throws -> Int64 {
        try decodeInteger(text, type)
    }
}

extension Int32: PostgresDecodable {
    public static func decode(text: UnsafeBufferPointer<UInt8>, type: PostgresDataType) throws -> Int32 {
        try decodeInteger(text, type)
    }
}

extension Int16: PostgresDecodable {
    public static func decode(text: UnsafeBufferPointer<UInt8>, type: PostgresDataType) throws -> Int16 {
        try decodeInteger(text, type)
    }
}

extension Bool: PostgresDecodable {
    public static func decode(text: UnsafeBufferPointer<UInt8>, type: PostgresDataType) throws -> Bool {
        guard type == .bool else { throw PostgresDecodingFailure.typeMismatch }
        guard text.count == 1 else { throw PostgresDecodingFailure.malformed }
        switch text[0] {
        case UInt8(ascii: "t"): return true
        case UInt8(ascii: "f"): return false
        default: throw PostgresDecodingFailure.malformed
        }
    }
}

extension Double: PostgresDecodable {
    public static func decode(text: UnsafeBufferPointer<UInt8>, type: PostgresDataType) throws -> Double {
        guard type == .float8 || type == .float4 || type == .numeric || IntegerTypes.contains(type) else {
            throw PostgresDecodingFailure.typeMismatch
        }
        guard let value = Double(String(decoding: text, as: UTF8.self)) else {
            throw PostgresDecodingFailure.malformed
        }
        return value
    }
}

extension Decimal: PostgresDecodable {
    public static func decode(text: UnsafeBufferPointer<UInt8>, type: PostgresDataType) throws -> Decimal {
        guard type == .numeric || IntegerTypes.contains(type) else { throw PostgresDecodingFailure.typeMismatch }
        let string = String(decoding: text, as: UTF8.self)
        if string == "NaN" { return .nan }
        guard let value = Decimal(string: string, locale: Locale(identifier: "en_US_POSIX")) else {
            throw PostgresDecodingFailure.malformed
        }
        return value
    }
}

extension UUID: PostgresDecodable {
    public static func decode(text: UnsafeBufferPointer<UInt8>, type: PostgresDataType) throws -> UUID {
        guard type == .uuid || type == .text || type == .varchar else { throw PostgresDecodingFailure.typeMismatch }
        guard let value = UUID(uuidString: String(decoding: text, as: UTF8.self)) else {
            throw PostgresDecodingFailure.malformed
        }
        return value
    }
}

extension CalendarDate: PostgresDecodable {
    public static func decode(text: UnsafeBufferPointer<UInt8>, type: PostgresDataType) throws -> CalendarDate {
        guard type == .date else { throw PostgresDecodingFailure.typeMismatch }
        guard let value = CalendarDate(String(decoding: text, as: UTF8.self)) else {
            throw PostgresDecodingFailure.malformed
        }
        return value
    }
}

extension Date: PostgresDecodable {
    public static func decode(text: UnsafeBufferPointer<UInt8>, type: PostgresDataType) throws -> Date {
        guard type == .timestamptz else { throw PostgresDecodingFailure.typeMismatch }
        guard let value = TimestampFormat.parse(text) else { throw PostgresDecodingFailure.malformed }
        return value
    }
}

extension Data: PostgresDecodable {
    public static func decode(text: UnsafeBufferPointer<UInt8>, type: PostgresDataType) throws -> Data {
        guard type == .bytea else { throw PostgresDecodingFailure.typeMismatch }
        guard text.count >= 2, text[0] == UInt8(ascii: "\\"), text[1] == UInt8(ascii: "x"), text.count % 2 == 0 else {
            throw PostgresDecodingFailure.malformed
        }
        func nibble(_ c: UInt8) throws -> UInt8 {
            switch c {
            case 48...57: return c - 48
            case 97...102: return c - 87
            case 65...70: return c - 55
            default: throw PostgresDecodingFailure.malformed
            }
        }
        var data = Data(capacity: (text.count - 2) / 2)
        var index = 2
        while index < text.count {
            data.append(try nibble(text[index]) << 4 | nibble(text[index + 1]))
            index += 2
        }
        return data
    }
}

extension Array: PostgresDecodable where Element: PostgresDecodable {
    /// One-dimensional arrays in the server's text form (`{1,2,NULL}`).
    public static func decode(text: UnsafeBufferPointer<UInt8>, type: PostgresDataType) throws -> [Element] {
        guard let elementType = type.elementType else { throw PostgresDecodingFailure.typeMismatch }
        var result: [Element] = []
        try ArrayLiteralParser.parse(text) { element in
            if let element {
                result.append(try element.withUnsafeBufferPointer { try Element.decode(text: $0, type: elementType) })
            } else {
                result.append(try Element.decodeNull())
            }
        }
        return result
    }
}
