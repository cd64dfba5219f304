import Foundation

/// A `Codable` value stored as `jsonb` (or read from `json`).
///
/// `let doc = try JSONB(payload)` then `"INSERT INTO t (doc) VALUES (\(doc))"`, and
/// `row.decode(JSONB<Payload>.self, column: "doc").value`. The value is encoded when the wrapper
/// is made, so an unencodable value fails there and never becomes NULL.
public struct JSONB<Value: Codable & Sendable>: Sendable, PostgresEncodable, PostgresDecodable {
    public let value: Value
    private let text: String

    /// Encodes `value` as JSON with sorted keys and ISO 8601 dates.
    public init(_ value: Value) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        self.value = value
        self.text = String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    private init(value: Value, text: String) {
        self.value = value
        self.text = text
    }

    public static var postgresType: PostgresDataType { .jsonb }

    public func encodeText() -> String? { text }

    public static func decode(text: UnsafeBufferPointer<UInt8>, type: PostgresDataType) throws -> JSONB<Value> {
        guard type == .jsonb || type == .json else { throw PostgresDecodingFailure.typeMismatch }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            let data = Data(buffer: text)
            return JSONB(value: try decoder.decode(Value.self, from: data), text: String(decoding: data, as: UTF8.self))
        } catch {
            throw PostgresDecodingFailure.malformed
        }
    }
}

extension JSONB: Equatable where Value: Equatable {
    public static func == (lhs: JSONB<Value>, rhs: JSONB<Value>) -> Bool { lhs.value == rhs.value }
}
