import Foundation
import Postgres
import RegistryContracts

/// The statistics exports' SQL: aggregates of the service's own tables (no personal data), named
/// with the registry's shared units. Every method runs on the caller's connection.
struct ExportStore {
    let connection: PostgresConnection

    /// People by management status on `on`, by area (commune or province), status and sex.
    func peopleByStatus(on: CalendarDate, in area: ExportArea, byCommune: Bool) async throws -> ExportTable {
        let areaColumn: SQLFragment = byCommune ? "r.commune_code" : "r.province_code"
        let rows = try await connection.query(
            """
            SELECT \(areaColumn) AS area, u.name, s.status, p.sex, count(*)
            FROM statistics.statuses s
            JOIN statistics.people p ON p.person_id = s.person_id
            JOIN LATERAL (
                SELECT commune_code, province_code FROM statistics.residences r
                WHERE r.person_id = s.person_id
                ORDER BY (r.from_date <= \(on)) DESC, CASE WHEN r.from_date <= \(on) THEN r.from_date END DESC, r.from_date
                LIMIT 1) r ON true
            LEFT JOIN registry.admin_units u ON u.generation = \(AdminUnitGeneration.current) AND u.code = \(areaColumn)
                 AND u.level = \(byCommune ? "commune" : "province")
            WHERE s.valid_from <= \(on) AND (s.valid_to IS NULL OR s.valid_to > \(on))
              AND (\(area.condition(province: "r.province_code", commune: "r.commune_code")))
            GROUP BY 1, 2, 3, 4 ORDER BY 1, 3, 4
            """)
        return ExportTable(
            dataset: "people-by-status", parameters: [:], dimensions: ["areaCode", "areaName", "status", "sex"], sums: [],
            rows: try rows.map { row in
                let (code, name, status, sex, count) = try row.decode((String, String?, String, String, Int).self)
                return ([code, name, status, sex], count, [])
            })
    }

    /// Referrals made from `from` to `to`, by area, kind, status and outcome, with loan amounts.
    func referrals(from: CalendarDate, to: CalendarDate, in area: ExportArea, byCommune: Bool) async throws -> ExportTable {
        let areaColumn: SQLFragment = byCommune ? "f.commune_code" : "f.province_code"
        let rows = try await connection.query(
            """
            SELECT \(areaColumn) AS area, u.name, f.kind, f.status, f.outcome, count(*), sum(f.amount_vnd)::bigint
            FROM statistics.referrals f
            LEFT JOIN registry.admin_units u ON u.generation = \(AdminUnitGeneration.current) AND u.code = \(areaColumn)
                 AND u.level = \(byCommune ? "commune" : "province")
            WHERE f.referred_on BETWEEN \(from) AND \(to)
              AND (\(area.condition(province: "f.province_code", commune: "f.commune_code")))
            GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 3, 4, 5
            """)
        return ExportTable(
            dataset: "referrals", parameters: [:], dimensions: ["areaCode", "areaName", "kind", "status", "outcome"],
            sums: ["amountVnd"],
            rows: try rows.map { row in
                let (code, name, kind, status, outcome, count, amount) =
                    try row.decode((String, String?, String, String, String?, Int, Int?).self)
                return ([code, name, kind, status, outcome], count, [amount])
            })
    }
}
