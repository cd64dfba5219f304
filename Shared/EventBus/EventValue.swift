import Postgres

/// A closed set of values an event field may take, spelled once as the cases' raw values
/// (`ManagementStatus.drugUser` is `drug_user` on the wire, in the database and in the API).
/// The catalogue lists the values of such a field, and a payload with any other is refused.
/// Binds as its raw value and reads back from a text column.
public protocol EventValue: RawRepresentable, CaseIterable, Codable, Sendable, Hashable, PostgresEncodable, PostgresDecodable
where RawValue == String {}

extension EventValue {
    public static var postgresType: PostgresDataType { .unknown }
    public func encodeText() -> String? { rawValue }

    /// A column holding anything but one of the raw values fails as malformed.
    public static func decode(text: UnsafeBufferPointer<UInt8>, type: PostgresDataType) throws -> Self {
        guard let value = Self(rawValue: try String.decode(text: text, type: type)) else { throw PostgresDecodingFailure.malformed }
        return value
    }

    public static func decodeNull() throws -> Self { throw PostgresDecodingFailure.unexpectedNull }

    /// Every raw value, in declaration order.
    public static var rawValues: [String] { allCases.map(\.rawValue) }

    /// The value spelled `text`, or a thrown error naming the type (for values read back from
    /// the service's own tables, which their CHECK constraints keep valid).
    public static func parse(_ text: String) throws -> Self {
        guard let value = Self(rawValue: text) else { throw EventBusError(.invalidPayload, "\(text) is not a \(Self.self)") }
        return value
    }
}
