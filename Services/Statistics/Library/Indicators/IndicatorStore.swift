import Foundation
import Postgres
import RegistryContracts

/// Computes indicator values from the live aggregates (no personal data), for periods of
/// `months` months from `from` to `to` (the last one cut at `to`), by where each counted thing
/// happened (a person's residence then, an episode's or event's commune).
struct IndicatorStore {
    let connection: PostgresConnection

    /// How rows are grouped: by commune, by province, or one row for the whole area (named `label`).
    enum Grouping: Sendable {
        case commune, province
        case whole(label: String)
    }

    private struct Key: Hashable {
        /// The period's number, from 1.
        let period: Int
        let area: String
        let value: String
    }

    private struct Reading {
        let count: Int
        let amount: Int
        let parent: String
    }

    func values(
        of computation: Computation, from: CalendarDate, to: CalendarDate, months: Int, area: ExportArea, grouping: Grouping,
        breakdown: Indicator.Breakdown? = nil
    ) async throws -> [IndicatorValues.Row] {
        switch computation {
        case .tallies(let formula):
            return try await tallied(formula, from: from, to: to, months: months, area: area, grouping: grouping, breakdown: breakdown)
        case .programmes(let formula):
            return try await programmes(formula, from: from, to: to, months: months, area: area, grouping: grouping)
        case .change(let base):
            guard let computation = Computation.all[base] else { return [] }
            let now = try await values(of: computation, from: from, to: to, months: months, area: area, grouping: grouping, breakdown: breakdown)
            // The same periods a year before; a month's last day stays one (29 February).
            let earlierTo = to.adding(days: 1).day == 1 ? to.adding(days: 1).adding(months: -12).adding(days: -1) : to.adding(months: -12)
            let before = try await values(
                of: computation, from: from.adding(months: -12), to: earlierTo, months: months, area: area, grouping: grouping,
                breakdown: breakdown)
            let earlier = Dictionary(
                before.map { ("\($0.periodStart.adding(months: 12)) \($0.areaCode) \($0.breakdown ?? "")", $0) },
                uniquingKeysWith: { first, _ in first })
            return now.compactMap { row in
                guard let previous = earlier["\(row.periodStart) \(row.areaCode) \(row.breakdown ?? "")"], let last = previous.value, last > 0,
                    let value = row.value
                else { return nil }
                var change = row
                change.value = ((value - last) * 1000 / last).rounded() / 10
                change.previousValue = last
                change.previousNumerator = previous.numerator
                change.previousDenominator = previous.denominator
                return change
            }
        }
    }

    /// Counts the area's 2025 communes (or what they hold) by period.
    private func programmes(
        _ formula: ProgrammeFormula, from: CalendarDate, to: CalendarDate, months: Int, area: ExportArea, grouping: Grouping
    ) async throws -> [IndicatorValues.Row] {
        let column: SQLFragment =
            switch grouping {
            case .commune: "u.code"
            case .province: "u.province_code"
            case .whole(let label): "\(label)::text"
            }
        let parent: SQLFragment =
            switch grouping {
            case .commune: "min(u.province_code)"
            case .province: "'VN'::text"
            case .whole: "NULL::text"
            }
        let periods = Periods(from: from, to: to, months: months)
        // A share of the communes counts them; a share of what they declared sums it, over those that did.
        let bases: SQLFragment = formula.base ?? "SELECT NULL::int AS k, NULL::text AS commune_code, NULL::bigint AS n WHERE false"
        let denominator: SQLFragment = formula.base == nil ? "count(*)" : "coalesce(sum(b.n), 0)"
        let declared: SQLFragment = formula.base == nil ? "" : "WHERE b.n IS NOT NULL"
        let rows = try await connection.query(
            """
            WITH periods AS (\(periods.query)),
            units AS (
                SELECT u.code, u.province_code FROM registry.admin_units u
                WHERE u.generation = \(AdminUnitGeneration.current) AND u.level = 'commune' AND \(area.condition(province: "u.province_code", commune: "u.code"))
            ),
            hits AS (
                SELECT p.k, g.commune_code, \(formula.perCommune) AS n
                FROM periods p JOIN statistics.programmes g ON \(formula.condition)
                GROUP BY 1, 2
            ),
            bases AS (\(bases))
            SELECT p.s, p.e, \(column), \(parent), coalesce(sum(h.n), 0)::bigint, \(denominator)::bigint
            FROM periods p CROSS JOIN units u LEFT JOIN hits h ON h.k = p.k AND h.commune_code = u.code
            LEFT JOIN bases b ON b.k = p.k AND b.commune_code = u.code
            \(declared)
            GROUP BY 1, 2, 3 ORDER BY 1, 3
            """)
        let decoded = try rows.map { try $0.decode((CalendarDate, CalendarDate, String, String?, Int, Int).self) }
        return decoded.compactMap { start, end, code, parent, counted, base in
            guard formula.isShare || counted > 0 else { return nil }
            let value: Double? =
                !formula.isShare ? Double(counted) : base > 0 ? Double((counted * 2000 / base + 1) / 2) / 10 : nil
            var row = IndicatorValues.Row(
                areaCode: code, areaName: nil, periodStart: start, periodEnd: end, breakdown: nil, numerator: counted,
                denominator: formula.isShare ? base : nil, value: value, amountVnd: nil, suppressed: false)
            row.parentCode = parent
            return row
        }
    }

    private func tallied(
        _ formula: Formula, from: CalendarDate, to: CalendarDate, months: Int, area: ExportArea, grouping: Grouping,
        breakdown: Indicator.Breakdown?
    ) async throws -> [IndicatorValues.Row] {
        let areas: SQLFragment
        switch (grouping, area.code) {
        case (.commune, let code?) where code.count == 5, (.province, let code?) where code.count == 2: areas = "t.area_code = \(code)"
        case (.commune, let code?): areas = "t.parent_code = \(code) AND length(t.area_code) = 5"
        case (.commune, nil): areas = "length(t.area_code) = 5"
        case (.province, _): areas = "t.parent_code = 'VN' AND length(t.area_code) = 2"
        case (.whole, let code): areas = "t.area_code = \(code ?? "VN")"
        }
        let periods = Periods(from: from, to: to, months: months)
        let numeratorDimension = formula.numeratorDimension ?? breakdown?.rawValue ?? ""
        let numerators = try await read(formula.numerator, dimension: numeratorDimension, periods: periods, areas: areas)
        var denominators: [Key: Reading]?
        if let denominator = formula.denominator {
            denominators = try await read(
                denominator, dimension: formula.numeratorDimension == nil ? numeratorDimension : "", periods: periods, areas: areas)
        }
        var keys = Set(numerators.keys)
        if let denominators, formula.numeratorDimension == nil { keys.formUnion(denominators.keys) }
        let rows = keys.compactMap { key -> IndicatorValues.Row? in
            let counted = numerators[key]
            let numerator = counted?.count ?? 0
            let denominator = denominators.map {
                $0[formula.numeratorDimension == nil ? key : Key(period: key.period, area: key.area, value: "")]?.count ?? 0
            }
            let amount = counted?.amount ?? 0
            guard numerator != 0 || (denominator ?? 0) != 0 || amount != 0 else { return nil }
            let value: Double? =
                if let denominator { denominator > 0 ? Double((numerator * 2000 / denominator + 1) / 2) / 10 : nil } else { Double(numerator) }
            var row = IndicatorValues.Row(
                areaCode: key.area == "VN" ? "national" : key.area, areaName: nil, periodStart: periods.starts[key.period - 1],
                periodEnd: periods.ends[key.period - 1], breakdown: key.value.isEmpty ? nil : key.value, numerator: numerator,
                denominator: denominator, value: value, amountVnd: formula.numerator.measure == .loans ? amount : nil, suppressed: false)
            let parent =
                counted?.parent ?? denominators?[formula.numeratorDimension == nil ? key : Key(period: key.period, area: key.area, value: "")]?.parent
            row.parentCode = key.area == "VN" ? nil : parent
            return row
        }
        return rows.sorted { ($0.periodStart, $0.areaCode, $0.breakdown ?? "") < ($1.periodStart, $1.areaCode, $1.breakdown ?? "") }
    }

    /// One term's counts (and amounts) by period, area and breakdown value. Each aggregate row is
    /// read once: put in its period (0 before the first), summed, and carried forward along
    /// every area's and value's periods for stocks and overlaps.
    private func read(_ term: Formula.Term, dimension: String, periods: Periods, areas: SQLFragment) async throws -> [Key: Reading] {
        let count: SQLFragment =
            switch term.reading {
            case .stock: "c.entered_so_far - c.exited_so_far"
            case .flow: "c.entered"
            // Open on the first day or entered later: all entered by the end, less those exited by the first day.
            case .overlap: "c.entered_so_far - (c.exited_so_far - c.exited + c.exited_first_day)"
            }
        let since: SQLFragment = term.reading == .flow ? "AND t.day >= \(periods.starts[0])" : ""
        // A monthly row (the person's breakdowns) is dated the month's first day and keeps the
        // exits on that day apart; a daily row's exits on a period's first day are all of them.
        let firstDayExits: SQLFragment = Measure.commonDimensions.contains(dimension) ? "t.exited_first" : "t.exited"
        let rows = try await connection.query(
            """
            WITH b AS (
                SELECT t.area_code AS area, t.value, width_bucket(t.day, \(periods.starts)::date[]) AS k, min(t.parent_code) AS parent,
                       sum(t.entered) AS entered, sum(t.exited) AS exited, sum(t.amount) AS amount,
                       sum(\(firstDayExits)) FILTER (WHERE t.day = ANY(\(periods.starts)::date[])) AS exited_first_day
                FROM statistics.tallies t
                WHERE t.measure = \(term.measure.rawValue) AND t.dimension = \(dimension) AND \(areas) AND t.day <= \(periods.to) \(since)
                GROUP BY 1, 2, 3
            ),
            c AS (
                SELECT g.area, g.value, g.k, a.parent, coalesce(b.entered, 0) AS entered, coalesce(b.exited, 0) AS exited,
                       coalesce(b.exited_first_day, 0) AS exited_first_day, coalesce(b.amount, 0) AS amount,
                       sum(coalesce(b.entered, 0)) OVER w AS entered_so_far, sum(coalesce(b.exited, 0)) OVER w AS exited_so_far
                FROM (SELECT area, value, min(parent) AS parent FROM b GROUP BY 1, 2) AS a
                CROSS JOIN LATERAL generate_series(0, \(periods.starts.count)) AS k
                CROSS JOIN LATERAL (SELECT a.area, a.value, k) AS g(area, value, k)
                LEFT JOIN b ON b.area = g.area AND b.value = g.value AND b.k = g.k
                WINDOW w AS (PARTITION BY g.area, g.value ORDER BY g.k)
            )
            SELECT * FROM (SELECT c.k, c.area, c.value, (\(count))::bigint AS n, c.amount::bigint AS amount, c.parent FROM c WHERE c.k >= 1) AS r
            WHERE r.n <> 0 OR r.amount <> 0
            """)
        var readings: [Key: Reading] = [:]
        for row in rows {
            let (period, area, value, count, amount, parent) = try row.decode((Int, String, String, Int, Int, String).self)
            guard count != 0 || amount != 0 else { continue }
            readings[Key(period: period, area: area, value: value)] = Reading(count: count, amount: amount, parent: parent)
        }
        return readings
    }

    /// The 2025 names of these units.
    func names(of codes: Set<String>) async throws -> [String: String] {
        let rows = try await connection.query(
            "SELECT code, name FROM registry.admin_units WHERE generation = \(AdminUnitGeneration.current) AND code = ANY(\(Array(codes)))")
        var names: [String: String] = [:]
        for row in rows {
            let (code, name) = try row.decode((String, String).self)
            names[code] = name
        }
        return names
    }
}
