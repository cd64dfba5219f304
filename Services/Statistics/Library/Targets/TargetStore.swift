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

    /// The targets of some years in an area (a province's own and its communes', or one commune's;
    /// the country's, every one); with `units`, only those of the units rows can be for (a read by
    /// province needs no commune's, one row for the whole area only the area's own).
    func targets(years: ClosedRange<Int>, area: ExportArea, units: IndicatorStore.Grouping? = nil) async throws -> [Target] {
        let inArea: SQLFragment =
            switch (units, area.code) {
            case (.whole(let label), _): "area_code = \(label)"
            case (.province, nil): "length(area_code) = 2"
            case (.province, let code?): "area_code = \(code)"
            case (_, nil): "TRUE"
            case (_, let code?) where code.count == 5: "area_code = \(code)"
            case (_, let code?):
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
