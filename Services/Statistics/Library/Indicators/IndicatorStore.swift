import Foundation
import Postgres
import RegistryContracts

/// Computes indicator values from the counting tables (no personal data), for periods of
/// `months` months from `from` to `to` (the last one cut at `to`), by the area column of each
/// row's own event (where the person lived when it happened).
struct IndicatorStore {
    let connection: PostgresConnection

    /// The indicators computed so far; the catalogue defines the others.
    static let computed: Set<String> = [
        "determinations", "people_in_treatment", "people_in_aftercare", "compulsory_share", "treatment_mix", "aftercare_coverage",
        "relapse_rate", "loans",
    ]

    /// How rows are grouped: by commune, by province, or one row for the whole area (named `label`).
    enum Grouping: Sendable {
        case commune, province
        case whole(label: String)
    }

    func values(
        of indicator: String, from: CalendarDate, to: CalendarDate, months: Int, area: ExportArea, grouping: Grouping
    ) async throws -> [IndicatorValues.Row] {
        // Unqualified: each measure reads one table with an area column (and the periods).
        let column: SQLFragment =
            switch grouping {
            case .commune: "commune_code"
            case .province: "province_code"
            case .whole(let label): "\(label)::text"
            }
        let inArea = area.condition(province: "province_code", commune: "commune_code")
        let measure: SQLFragment
        switch indicator {
        case "determinations":
            measure = """
                SELECT p.s, p.e, \(column) AS area, NULL::text AS breakdown, count(*) AS n, NULL::bigint AS d, NULL::bigint AS amount
                FROM periods p JOIN statistics.determinations d ON d.positive AND d.determined_on BETWEEN p.s AND p.e
                WHERE \(inArea) GROUP BY 1, 2, 3
                """
        case "people_in_treatment":
            measure = """
                SELECT p.s, p.e, \(column), x.form, count(DISTINCT x.person_id), NULL::bigint, NULL::bigint
                FROM periods p JOIN statistics.episodes x ON x.started_on <= p.e AND (x.ended_on IS NULL OR x.ended_on >= p.e)
                WHERE \(inArea) GROUP BY 1, 2, 3, 4
                """
        case "people_in_aftercare":
            measure = """
                SELECT p.s, p.e, \(column), NULL::text, count(DISTINCT a.person_id), NULL::bigint, NULL::bigint
                FROM periods p JOIN statistics.aftercare a ON a.starts_on <= p.e AND coalesce(a.ended_on, a.ends_on) >= p.e
                WHERE \(inArea) GROUP BY 1, 2, 3
                """
        case "compulsory_share", "treatment_mix":
            let byForm: SQLFragment = indicator == "treatment_mix" ? "x.form" : "'compulsory'::text"
            let counted: SQLFragment = indicator == "treatment_mix" ? "TRUE" : "x.form = 'compulsory'"
            measure = """
                SELECT t.s, t.e, t.area, t.breakdown, t.n, tot.d, NULL::bigint FROM (
                    SELECT p.s, p.e, \(column) AS area, \(byForm) AS breakdown, count(DISTINCT x.person_id) AS n
                    FROM periods p JOIN statistics.episodes x ON x.started_on <= p.e AND (x.ended_on IS NULL OR x.ended_on >= p.s)
                    WHERE \(inArea) AND \(counted) GROUP BY 1, 2, 3, 4) t
                JOIN (
                    SELECT p.s, \(column) AS area, count(DISTINCT x.person_id) AS d
                    FROM periods p JOIN statistics.episodes x ON x.started_on <= p.e AND (x.ended_on IS NULL OR x.ended_on >= p.s)
                    WHERE \(inArea) GROUP BY 1, 2) tot ON tot.s = t.s AND tot.area = t.area
                """
        case "aftercare_coverage":
            measure = """
                SELECT p.s, p.e, \(column), NULL::text,
                       count(*) FILTER (WHERE EXISTS (SELECT 1 FROM statistics.aftercare a WHERE a.episode_id = x.episode_id AND a.starts_on = x.ended_on + 1)),
                       count(*), NULL::bigint
                FROM periods p JOIN statistics.episodes x ON x.status = 'completed' AND x.ended_on BETWEEN p.s AND p.e
                     AND x.form IN ('voluntary_facility', 'compulsory', 'social_protection_centre')
                WHERE \(inArea) GROUP BY 1, 2, 3
                """
        case "relapse_rate":
            measure = """
                SELECT p.s, p.e, \(column), NULL::text,
                       count(DISTINCT a.person_id) FILTER (WHERE EXISTS (
                           SELECT 1 FROM statistics.relapses r WHERE r.person_id = a.person_id AND r.detected_on BETWEEN p.s AND p.e)),
                       count(DISTINCT a.person_id), NULL::bigint
                FROM periods p JOIN statistics.aftercare a ON a.starts_on <= p.e AND coalesce(a.ended_on, a.ends_on) >= p.s
                WHERE \(inArea) GROUP BY 1, 2, 3
                """
        case "loans":
            measure = """
                SELECT p.s, p.e, \(column), NULL::text, count(*), NULL::bigint, sum(r.amount_vnd)::bigint
                FROM periods p JOIN statistics.referral_steps r ON r.step = 'disburse' AND r.step_on BETWEEN p.s AND p.e
                WHERE \(inArea) GROUP BY 1, 2, 3
                """
        default:
            return []
        }
        let level =
            switch grouping {
            case .commune: "commune"
            case .province: "province"
            case .whole(let label): label.count == 5 ? "commune" : "province"
            }
        return try await connection.query(
            """
            WITH periods AS (
                SELECT s::date AS s, least((s + make_interval(months => \(months)::int))::date - 1, \(to)) AS e
                FROM generate_series(\(from)::date, \(to)::date, make_interval(months => \(months)::int)) AS s
            )
            SELECT m.s, m.e, m.area, u.name, m.breakdown, m.n, m.d, m.amount FROM (\(measure)) AS m(s, e, area, breakdown, n, d, amount)
            LEFT JOIN registry.admin_units u ON u.generation = \(AdminUnitGeneration.current) AND u.level = \(level) AND u.code = m.area
            ORDER BY m.s, m.area, m.breakdown
            """
        ).map { row in
            let (start, end, code, name, breakdown, numerator, denominator, amount) = try row.decode(
                (CalendarDate, CalendarDate, String, String?, String?, Int, Int?, Int?).self)
            let value: Double? =
                if let denominator { denominator > 0 ? Double((numerator * 2000 / denominator + 1) / 2) / 10 : nil } else { Double(numerator) }
            return IndicatorValues.Row(
                areaCode: code, areaName: name, periodStart: start, periodEnd: end, breakdown: breakdown, numerator: numerator,
                denominator: denominator, value: value, amountVnd: amount, suppressed: false)
        }
    }
}
