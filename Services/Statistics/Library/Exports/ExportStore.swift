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

    /// Treatment and reintegration from `from` to `to`, by area, measure and treatment form:
    /// positive determinations, episodes begun and completed, people in treatment and in
    /// after-care on the last day, after-care begun, relapses, loans disbursed (with their sum).
    /// Each row is counted where the person lived when its event happened.
    func treatment(from: CalendarDate, to: CalendarDate, in area: ExportArea, byCommune: Bool) async throws -> ExportTable {
        let column: SQLFragment = byCommune ? "commune_code" : "province_code"
        let inArea = area.condition(province: "province_code", commune: "commune_code")
        let rows = try await connection.query(
            """
            SELECT m.area, u.name, m.measure, m.form, m.n, m.amount FROM (
                SELECT \(column) AS area, 'determinations_positive' AS measure, NULL::text AS form, count(*) AS n, NULL::bigint AS amount
                FROM statistics.determinations WHERE positive AND determined_on BETWEEN \(from) AND \(to) AND \(inArea) GROUP BY 1
                UNION ALL
                SELECT \(column), 'episodes_started', form, count(*), NULL FROM statistics.episodes
                WHERE started_on BETWEEN \(from) AND \(to) AND \(inArea) GROUP BY 1, 3
                UNION ALL
                SELECT \(column), 'episodes_completed', form, count(*), NULL FROM statistics.episodes
                WHERE status = 'completed' AND ended_on BETWEEN \(from) AND \(to) AND \(inArea) GROUP BY 1, 3
                UNION ALL
                SELECT \(column), 'in_treatment_on_last_day', form, count(DISTINCT person_id), NULL FROM statistics.episodes
                WHERE started_on <= \(to) AND (ended_on IS NULL OR ended_on >= \(to)) AND \(inArea) GROUP BY 1, 3
                UNION ALL
                SELECT \(column), 'aftercare_started', NULL, count(*), NULL FROM statistics.aftercare
                WHERE starts_on BETWEEN \(from) AND \(to) AND \(inArea) GROUP BY 1
                UNION ALL
                SELECT \(column), 'in_aftercare_on_last_day', NULL, count(DISTINCT person_id), NULL FROM statistics.aftercare
                WHERE starts_on <= \(to) AND coalesce(ended_on, ends_on) >= \(to) AND \(inArea) GROUP BY 1
                UNION ALL
                SELECT \(column), 'relapses', NULL, count(*), NULL FROM statistics.relapses
                WHERE detected_on BETWEEN \(from) AND \(to) AND \(inArea) GROUP BY 1
                UNION ALL
                SELECT \(column), 'loans_disbursed', NULL, count(*), sum(amount_vnd)::bigint FROM statistics.referral_steps
                WHERE step = 'disburse' AND step_on BETWEEN \(from) AND \(to) AND \(inArea) GROUP BY 1
            ) m
            LEFT JOIN registry.admin_units u ON u.generation = \(AdminUnitGeneration.current) AND u.code = m.area
                 AND u.level = \(byCommune ? "commune" : "province")
            ORDER BY 1, 3, 4
            """)
        return ExportTable(
            dataset: "treatment", parameters: [:], dimensions: ["areaCode", "areaName", "measure", "form"], sums: ["amountVnd"],
            rows: try rows.map { row in
                let (code, name, measure, form, count, amount) = try row.decode((String, String?, String, String?, Int, Int?).self)
                return ([code, name, measure, form], count, [amount])
            })
    }
}
