import Foundation
import Postgres

/// Plan targets (`statistics.targets`).
struct TargetStore {
    let connection: PostgresConnection

    func save(_ target: Target, by account: UUID) async throws {
        try await connection.query(
            """
            INSERT INTO statistics.targets (indicator, area_code, year, minimum, maximum, note, set_by)
            VALUES (\(target.indicator), \(target.areaCode), \(target.year), \(target.minimum), \(target.maximum), \(target.note), \(account))
            ON CONFLICT (indicator, area_code, year) DO UPDATE SET minimum = excluded.minimum, maximum = excluded.maximum,
                note = excluded.note, set_by = excluded.set_by, set_at = now()
            """)
    }

    /// The targets of any of `indicators` for any of `areas` in any of `years`.
    func targets(of indicators: [String], areas: [String], years: [Int]) async throws -> [Target] {
        guard !indicators.isEmpty, !areas.isEmpty, !years.isEmpty else { return [] }
        return try await connection.query(
            """
            SELECT indicator, area_code, year, minimum, maximum, note FROM statistics.targets
            WHERE indicator = ANY(\(indicators)::text[]) AND area_code = ANY(\(areas)::text[]) AND year = ANY(\(years)::int[])
            """
        ).map(Self.target)
    }

    /// The targets of some years in an area (a province's own and its communes', or one commune's;
    /// the country's, every one).
    func targets(years: ClosedRange<Int>, area: ExportArea) async throws -> [Target] {
        let inArea: SQLFragment =
            switch area.code {
            case nil: "TRUE"
            case let code? where code.count == 5: "area_code = \(code)"
            case let code?:
                """
                (area_code = \(code) OR area_code IN (SELECT u.code FROM registry.admin_units u
                                                      WHERE u.generation = '2025' AND u.level = 'commune' AND u.province_code = \(code)))
                """
            }
        return try await connection.query(
            """
            SELECT indicator, area_code, year, minimum, maximum, note FROM statistics.targets
            WHERE year BETWEEN \(years.lowerBound) AND \(years.upperBound) AND \(inArea) ORDER BY area_code, indicator
            """
        ).map(Self.target)
    }

    private static func target(_ row: PostgresRow) throws -> Target {
        let (indicator, area, year, minimum, maximum, note) = try row.decode((String, String, Int, Double?, Double?, String?).self)
        return Target(indicator: indicator, areaCode: area, year: year, minimum: minimum, maximum: maximum, note: note)
    }
}
