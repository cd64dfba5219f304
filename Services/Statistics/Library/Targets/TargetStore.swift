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

    /// The targets of some years in an area (a province's own, its communes' and those of the former
    /// districts whose communes went into it, or one commune's; the country's, every one); with
    /// `units`, only those of the units rows can be for (a read by province needs no commune's, one
    /// row for the whole area only the area's own).
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
                                                      WHERE u.generation = '2025' AND u.level = 'commune' AND u.province_code = \(code))
                 OR (length(area_code) = 3 AND \(code) IN (\(Self.provincesOfDistrict("area_code")))))
                """
            }
        return try await connection.query(
            """
            SELECT indicator, area_code, year, minimum, maximum, note FROM statistics.targets
            WHERE year BETWEEN \(years.lowerBound) AND \(years.upperBound) AND \(inArea) ORDER BY area_code, indicator
            """
        ).map(Self.target)
    }

    /// The 2025 provinces of the communes a former district's communes went into (`district`: an
    /// SQL expression of its code).
    private static func provincesOfDistrict(_ district: StaticString) -> SQLFragment {
        """
        SELECT n.province_code FROM registry.admin_units l
        JOIN registry.admin_unit_mapping m ON m.legacy_commune_code = l.code
        JOIN registry.admin_units n ON n.generation = '2025' AND n.level = 'commune' AND n.code = m.commune_code
        WHERE l.generation = 'legacy' AND l.level = 'commune' AND l.parent_code = \(sql: district)
        """
    }

    /// The 2025 provinces a former district's communes went into; nil when there is no such district.
    func provinces(ofDistrict code: String) async throws -> Set<String>? {
        let rows = try await connection.query(
            """
            SELECT DISTINCT p.province_code FROM registry.admin_units d
            LEFT JOIN LATERAL (\(Self.provincesOfDistrict("d.code"))) AS p ON TRUE
            WHERE d.generation = 'legacy' AND d.level = 'district' AND d.code = \(code)
            """)
        guard !rows.isEmpty else { return nil }
        return Set(try rows.compactMap { try $0.decode(String?.self, at: 0) })
    }

    private static func target(_ row: PostgresRow) throws -> Target {
        let (indicator, area, year, minimum, maximum, note) = try row.decode((String, String, Int, Double?, Double?, String?).self)
        return Target(indicator: indicator, areaCode: area, year: year, minimum: minimum, maximum: maximum, note: note)
    }
}
