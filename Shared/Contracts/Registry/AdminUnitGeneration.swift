import Postgres

/// The generations of administrative units in `registry.admin_units`, a table the registry shares
/// with the other services: the units in force since the reform of 2025-07-01 (34 provinces,
/// communes directly under them) and those before it (63 provinces, districts, communes). Chosen
/// here once: code asks for `.current` and never writes the year. Binds as its raw value.
public enum AdminUnitGeneration: String, Sendable, CaseIterable, PostgresEncodable {
    case current = "2025"
    case legacy

    public static var postgresType: PostgresDataType { .unknown }
    public func encodeText() -> String? { rawValue }
}
