import Foundation
import Postgres

/// The one definition of what the counting tables contribute to the live aggregates: for one
/// person (live, before and after each event) or for everyone (a rebuild), the tallies their
/// statuses, episodes, after-care, relapses, determinations, cases and loans make. Each counts in
/// its commune, its province and the country, in total and by the measure's own breakdowns (form,
/// place, result), by the day; in its province and the country also by the person's: sex, age band (by
/// the age in the year the interval or event begins), ethnicity, substance (a person with two
/// counts under each), by the month (`Measure.monthlyDimensions`). A status counts where the person
/// lived that day; before the first residence known, where they lived first. A status counted
/// through a residence the registry recorded under a commune of the list before 2025 (placed in
/// its 2025 commune by the official mapping) counts once more under the dimension `generation`,
/// value `legacy`, in every area: what tells a value it was mapped (`IndicatorStore`).
enum Contributions {
    static let facilityForms = ["voluntary_facility", "compulsory", "social_protection_centre"]

    /// Which statuses count in which status measure.
    static let statusMeasures: [(Measure, [String])] = [
        (.underManagement, ["drug_user", "addicted", "in_treatment", "in_aftercare"]),
        (.onRecord, ["addicted", "in_treatment", "in_aftercare"]),
        (.treatedOnRecord, ["in_treatment", "in_aftercare"]),
    ]

    /// Whose contributions: one person's, a few people's (a batch of the live consumer's), or
    /// those whose id falls in one of 16 ranges (by its first hexadecimal digit), read by index.
    enum People: Sendable {
        case one(UUID)
        case some([UUID])
        case range(Int)

        static let ranges = 16

        func condition(_ alias: StaticString) -> SQLFragment {
            switch self {
            case .one(let person): return "\(sql: alias).person_id = \(person)"
            case .some(let people): return "\(sql: alias).person_id = ANY(\(people)::uuid[])"
            case .range(let index):
                guard index + 1 < Self.ranges else { return "\(sql: alias).person_id >= \(Self.boundary(index))" }
                return "\(sql: alias).person_id >= \(Self.boundary(index)) AND \(sql: alias).person_id < \(Self.boundary(index + 1))"
            }
        }

        /// The smallest id whose first hexadecimal digit is `index`.
        static func boundary(_ index: Int) -> UUID {
            UUID(uuid: (UInt8(index * 16), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
        }
    }

    /// Which areas a row is counted in.
    enum Levels: Sendable {
        /// Every area it counts in: its commune (not for the person's breakdowns), its province and
        /// the country.
        case all
        /// Only the lowest: the commune, or the province for the person's breakdowns, a row per
        /// province its sources name (so that the roll-up counts each in the province it names, as
        /// `.all` does). A rebuild rolls these up into provinces and the country once everyone is
        /// counted (`TallyParts.merge`), rather than counting every row three times.
        case lowest
    }

    /// The families of measures, by the counting tables they read: a change to some tables alters
    /// only their families' rows (and a change to `people`, the breakdowns of all of them).
    struct Families: OptionSet, Sendable {
        let rawValue: Int
        /// Statuses where the residences place them (statuses, residences).
        static let statuses = Families(rawValue: 1)
        /// Episodes, and facility completions covered by after-care (episodes, after-care).
        static let episodes = Families(rawValue: 2)
        static let aftercare = Families(rawValue: 4)
        static let relapses = Families(rawValue: 8)
        static let determinations = Families(rawValue: 16)
        /// Loans disbursed (referral steps).
        static let loans = Families(rawValue: 32)
        /// Reintegration cases (cases, counselling, referral steps).
        static let cases = Families(rawValue: 64)
        static let all: Families = [.statuses, .episodes, .aftercare, .relapses, .determinations, .loans, .cases]
    }

    /// The first, empty branch of `base`: it gives the union its columns' types whichever branches follow.
    private static let typedNoRows: SQLFragment = """
        SELECT NULL::uuid, NULL::text, NULL::text, NULL::text, NULL::date, NULL::date, NULL::text, NULL::text, 0::bigint, false, false
        WHERE false
        """

    /// A query of rows (measure, dimension, value, area_code, day, parent_code, entered, exited,
    /// exited_first, amount) of `people`, from `tables`, counted in `levels`, of `families` only.
    static func rows(tables: CountingTables, people: People, levels: Levels = .all, families: Families = .all) -> SQLFragment {
        func only(_ alias: StaticString) -> SQLFragment { people.condition(alias) }
        let statusPairs = statusMeasures.flatMap { measure, statuses in statuses.map { (measure.rawValue, $0) } }
        let facilityForms = Self.facilityForms
        let mapped = Measure.mappedDimension
        // The rows each family of measures makes (`base`, then the cases in `aged`), those asked only.
        var branches: [SQLFragment] = []
        if families.contains(.statuses) {
            branches.append(
                """
                SELECT s.person_id, m.measure, r.commune_code, r.province_code, greatest(s.valid_from, r.from_date),
                       CASE WHEN s.valid_to IS NULL THEN r.to_date WHEN r.to_date IS NULL THEN s.valid_to ELSE least(s.valid_to, r.to_date) END,
                       NULL::text, NULL::text, 0::bigint, false, r.mapped
                FROM \(tables("statuses")) s
                JOIN residence r ON r.person_id = s.person_id AND (s.valid_to IS NULL OR r.from_date < s.valid_to)
                     AND (r.to_date IS NULL OR r.to_date > s.valid_from)
                JOIN unnest(\(statusPairs.map(\.0))::text[], \(statusPairs.map(\.1))::text[]) AS m(measure, status) ON m.status = s.status
                WHERE \(only("s"))
                """)
        }
        if families.contains(.episodes) {
            branches.append(
                """
                SELECT x.person_id, m.measure, x.commune_code, x.province_code, x.started_on,
                       CASE WHEN m.measure = 'in_treatment' THEN x.ended_on + 1 END, m.dimension, m.value, 0, m.own_only, false
                FROM \(tables("episodes")) x
                CROSS JOIN LATERAL (
                    SELECT 'in_treatment', 'treatment_form', x.form, false
                    UNION ALL SELECT 'in_treatment', 'place', x.place, true WHERE x.place IS NOT NULL
                    UNION ALL SELECT 'admissions', 'treatment_form', x.form, false
                    UNION ALL SELECT 'compulsory_admissions', NULL, NULL, false WHERE x.form = 'compulsory'
                ) AS m(measure, dimension, value, own_only)
                WHERE x.started_on IS NOT NULL AND \(only("x"))
                """)
        }
        if families.contains(.episodes) {
            branches.append(
                """
                SELECT x.person_id, m.measure, x.commune_code, x.province_code, x.ended_on, NULL, 'treatment_form', x.form, 0, false, false
                FROM \(tables("episodes")) x
                CROSS JOIN LATERAL (
                    SELECT 'facility_completions'
                    UNION ALL SELECT 'covered_completions' WHERE EXISTS (
                        SELECT 1 FROM \(tables("aftercare")) a WHERE a.episode_id = x.episode_id AND a.starts_on = x.ended_on + 1)
                ) AS m(measure)
                WHERE x.status = 'completed' AND x.ended_on IS NOT NULL AND x.form = ANY(\(facilityForms)::text[]) AND \(only("x"))
                """)
        }
        if families.contains(.aftercare) {
            branches.append(
                """
                SELECT a.person_id, 'in_aftercare', a.commune_code, a.province_code, a.starts_on, coalesce(a.ended_on, a.ends_on) + 1,
                       NULL, NULL, 0, false, false
                FROM \(tables("aftercare")) a WHERE \(only("a"))
                """)
        }
        if families.contains(.relapses) {
            branches.append(
                """
                SELECT r.person_id, 'relapses', r.commune_code, r.province_code, r.detected_on, NULL, NULL, NULL, 0, false, false
                FROM \(tables("relapses")) r WHERE \(only("r"))
                """)
        }
        if families.contains(.determinations) {
            branches.append(
                """
                SELECT d.person_id, 'determinations', d.commune_code, d.province_code, d.determined_on, NULL, 'result',
                       CASE WHEN d.positive THEN 'positive' ELSE 'negative' END, 0, false, false
                FROM \(tables("determinations")) d WHERE \(only("d"))
                """)
        }
        if families.contains(.loans) {
            branches.append(
                """
                SELECT t.person_id, 'loans', t.commune_code, t.province_code, t.step_on, NULL, NULL, NULL, coalesce(t.amount_vnd, 0), false, false
                FROM \(tables("referral_steps")) t WHERE t.step = 'disburse' AND \(only("t"))
                """)
        }
        let cases: SQLFragment =
            families.contains(.cases)
            ? """
            UNION ALL
            SELECT c.person_id, m.measure, c.commune_code, c.province_code, m.starts_on, c.closed_on + 1, NULL, NULL, 0, false, false, c.opened_on
            FROM \(tables("cases")) c
            CROSS JOIN LATERAL (
                SELECT 'cases_needing_work', c.opened_on WHERE c.needs && ARRAY['vocational_training', 'job']
                UNION ALL SELECT 'cases_needing_training', c.opened_on WHERE 'vocational_training' = ANY(c.needs)
                UNION ALL SELECT 'cases_needing_job', c.opened_on WHERE 'job' = ANY(c.needs)
                UNION ALL
                SELECT 'counselled_cases', (
                    SELECT min(g.given_on) FROM \(tables("counselling")) g
                    WHERE g.case_id = c.case_id AND g.given_on >= c.opened_on AND (c.closed_on IS NULL OR g.given_on <= c.closed_on))
                WHERE c.needs && ARRAY['vocational_training', 'job']
                UNION ALL
                SELECT 'trained_cases', (
                    SELECT min(t.step_on) FROM \(tables("referral_steps")) t
                    WHERE t.person_id = c.person_id AND t.kind = 'vocational_training' AND t.step = 'enrol' AND t.step_on >= c.opened_on
                      AND (c.closed_on IS NULL OR t.step_on <= c.closed_on))
                WHERE 'vocational_training' = ANY(c.needs)
                UNION ALL
                SELECT 'job_referred_cases', (
                    SELECT min(t.step_on) FROM \(tables("referral_steps")) t
                    WHERE t.person_id = c.person_id AND t.kind = 'job' AND t.step = 'send' AND t.step_on >= c.opened_on
                      AND (c.closed_on IS NULL OR t.step_on <= c.closed_on))
                WHERE 'job' = ANY(c.needs)
            ) AS m(measure, starts_on)
            WHERE m.starts_on IS NOT NULL AND \(only("c"))
            """ : ""
        return """
            WITH person AS (
                SELECT p.person_id, p.sex, p.birth_year, coalesce(p.ethnicity, 'unknown') AS ethnicity, p.substances
                FROM \(tables("people")) p WHERE \(only("p"))
            ),
            residence AS (
                SELECT r.person_id,
                       CASE WHEN row_number() OVER (PARTITION BY r.person_id ORDER BY r.from_date) = 1 THEN '-infinity'::date ELSE r.from_date END
                           AS from_date,
                       lead(r.from_date) OVER (PARTITION BY r.person_id ORDER BY r.from_date) AS to_date,
                       r.commune_code, r.province_code, r.legacy_commune_code IS NOT NULL AS mapped
                FROM \(tables("residences")) r WHERE \(only("r"))
            ),
            -- `own_only`: a row that counts only under its own breakdown (an episode's place: the same
            -- interval as its form's row, which counts in the total and the person's breakdowns).
            -- `mapped`: counted where a residence recorded under the list before 2025 places it.
            base (person_id, measure, commune_code, province_code, starts_on, exits_on, dimension, value, amount, own_only, mapped) AS (
                \(SQLFragment(joining: [Self.typedNoRows] + branches, separator: " UNION ALL "))
            ),
            -- Reintegration cases from their opening (or the first counselling, course or job
            -- referral of those who need it) to their close; the age is the one at the opening.
            aged (person_id, measure, commune_code, province_code, starts_on, exits_on, dimension, value, amount, own_only, mapped, aged_on) AS (
                SELECT b.*, b.starts_on FROM base b
                \(cases)
            )
            SELECT b.measure, d.dimension, d.value, l.area_code,
                   CASE WHEN d.monthly THEN date_trunc('month', e.day)::date ELSE e.day END,
                   \(levels == .all ? "min(l.parent_code)" : "l.parent_code" as SQLFragment),
                   sum(e.entered)::bigint, sum(e.exited)::bigint,
                   coalesce(sum(e.exited) FILTER (WHERE extract(day FROM e.day) = 1), 0)::bigint, sum(e.amount)::bigint
            FROM aged b
            LEFT JOIN person p ON p.person_id = b.person_id
            CROSS JOIN LATERAL (SELECT extract(year FROM b.aged_on)::int - p.birth_year AS age) AS y
            CROSS JOIN LATERAL (
                SELECT '' AS dimension, '' AS value, false AS monthly, true AS in_communes WHERE NOT b.own_only
                UNION ALL SELECT b.dimension, b.value, false, true WHERE b.dimension IS NOT NULL
                UNION ALL SELECT \(mapped.dimension)::text, \(mapped.value)::text, false, true WHERE b.mapped
                UNION ALL SELECT 'sex', coalesce(p.sex, 'unknown'), true, false WHERE NOT b.own_only
                UNION ALL SELECT 'age_band', CASE WHEN y.age IS NULL THEN 'unknown' WHEN y.age < 14 THEN '<14' WHEN y.age < 16 THEN '14-<16'
                                                  WHEN y.age < 18 THEN '16-<18' WHEN y.age < 30 THEN '18-<30' ELSE '30+' END, true, false
                          WHERE NOT b.own_only
                UNION ALL SELECT 'ethnicity', coalesce(p.ethnicity, 'unknown'), true, false WHERE NOT b.own_only
                UNION ALL SELECT 'substance', s, true, false FROM unnest(p.substances) AS s WHERE NOT b.own_only
            ) AS d
            CROSS JOIN LATERAL (
                SELECT b.commune_code, b.province_code WHERE d.in_communes
                UNION ALL SELECT b.province_code, 'VN' WHERE \(levels == .all ? "true" : "NOT d.in_communes" as SQLFragment)
                UNION ALL SELECT 'VN', 'VN' WHERE \(levels == .all ? "true" : "false" as SQLFragment)
            ) AS l(area_code, parent_code)
            CROSS JOIN LATERAL (VALUES (b.starts_on, 1, 0, b.amount), (b.exits_on, 0, 1, 0)) AS e(day, entered, exited, amount)
            WHERE e.day IS NOT NULL AND (b.exits_on IS NULL OR b.exits_on > b.starts_on)
            GROUP BY 1, 2, 3, 4, 5\(levels == .all ? "" : ", 6" as SQLFragment)
            """
    }
}
