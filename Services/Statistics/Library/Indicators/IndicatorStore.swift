import Foundation
import Postgres
import RegistryContracts

/// Computes indicator values from the live aggregates (no personal data), for periods of
/// `months` months from `from` to `to` (the last one cut at `to`), by where each counted thing
/// happened (a person's residence then, an episode's or event's commune).
struct IndicatorStore {
    let connection: PostgresConnection
    /// The area's units (the unit above each commune row; the communes programmes count).
    let units: AreaUnits
    /// The request's reads of the monthly aggregates, shared between its indicators.
    let reads: AggregateReads

    /// How rows are grouped: by commune, by province, or one row for the whole area (named `label`).
    enum Grouping: Sendable {
        case commune, province
        case whole(label: String)
    }

    /// The figures of a computation read from the aggregates or the programme records, by period
    /// and series; nil for a change on the previous year (`values` computes its rows from two grids).
    func grid(
        of computation: Computation, from: CalendarDate, to: CalendarDate, months: Int, area: ExportArea, grouping: Grouping,
        breakdown: Indicator.Breakdown? = nil
    ) async throws -> ValueGrid? {
        switch computation {
        case .tallies(let formula):
            try await tallied(formula, from: from, to: to, months: months, area: area, grouping: grouping, breakdown: breakdown)
        case .programmes(let formula):
            try await programmes(formula, from: from, to: to, months: months, grouping: grouping)
        case .change: nil
        }
    }

    /// The rows of a computation, period by period.
    func values(
        of computation: Computation, from: CalendarDate, to: CalendarDate, months: Int, area: ExportArea, grouping: Grouping,
        breakdown: Indicator.Breakdown? = nil
    ) async throws -> [IndicatorValues.Row] {
        if let grid = try await grid(of: computation, from: from, to: to, months: months, area: area, grouping: grouping, breakdown: breakdown) {
            return grid.rows()
        }
        switch computation {
        case .tallies, .programmes: return []
        case .change(let base):
            guard let computation = Computation.all[base] else { return [] }
            let now: ValueGrid
            let before: ValueGrid
            let periods = Periods(from: from, to: to, months: months)
            if periods.areWholeMonths, 12 % months == 0, periods.ends.last == periods.starts.last?.adding(months: months).adding(days: -1) {
                // Whole periods that a year divides: the periods and those a year before them are all
                // in one grid begun a year earlier, read once.
                guard
                    let all = try await grid(
                        of: computation, from: from.adding(months: -12), to: to, months: months, area: area, grouping: grouping,
                        breakdown: breakdown)
                else { return [] }
                (now, before) = (all, all)
            } else {
                // The same periods a year before; a month's last day stays one (29 February).
                let earlierTo = to.adding(days: 1).day == 1 ? to.adding(days: 1).adding(months: -12).adding(days: -1) : to.adding(months: -12)
                guard
                    let current = try await grid(
                        of: computation, from: from, to: to, months: months, area: area, grouping: grouping, breakdown: breakdown),
                    let earlier = try await grid(
                        of: computation, from: from.adding(months: -12), to: earlierTo, months: months, area: area, grouping: grouping,
                        breakdown: breakdown)
                else { return [] }
                (now, before) = (current, earlier)
            }
            // Each period from `from` on and each series, with the same a year before.
            let earlierPeriod = Dictionary(before.starts.enumerated().map { ($1.adding(months: 12), $0) }, uniquingKeysWith: { first, _ in first })
            struct SeriesKey: Hashable {
                let areaCode: String
                let breakdown: String?
            }
            let earlierSeries = Dictionary(
                before.series.enumerated().map { (SeriesKey(areaCode: $1.areaCode, breakdown: $1.breakdown), $0) },
                uniquingKeysWith: { first, _ in first })
            let earlierIndex = now.series.map { earlierSeries[SeriesKey(areaCode: $0.areaCode, breakdown: $0.breakdown)] }
            var rows: [IndicatorValues.Row] = []
            for period in now.starts.indices where now.starts[period] >= from {
                guard let previousPeriod = earlierPeriod[now.starts[period]] else { continue }
                for index in now.series.indices {
                    guard let previousIndex = earlierIndex[index], var row = now.row(period: period, series: index), let value = row.value,
                        let previous = before.row(period: previousPeriod, series: previousIndex), let last = previous.value, last > 0
                    else { continue }
                    row.value = ((value - last) * 1000 / last).rounded() / 10
                    row.previousValue = last
                    row.previousNumerator = previous.numerator
                    row.previousDenominator = previous.denominator
                    rows.append(row)
                }
            }
            return rows
        }
    }

    /// Counts the area's 2025 communes (or what they hold) by period. The database returns the
    /// area's communes and, by period and commune, what the records count and (for a share of what
    /// communes declared) the declaration; the grid of periods and units is laid out here.
    private func programmes(
        _ formula: ProgrammeFormula, from: CalendarDate, to: CalendarDate, months: Int, grouping: Grouping
    ) async throws -> ValueGrid {
        let periods = Periods(from: from, to: to, months: months)
        let communes = units.communes
        // Each commune's column (the commune, its province, or the whole area) and the unit above.
        var columns: [(code: String, parent: String?, communes: Int)] = []
        var columnOfCommune = [Int](repeating: 0, count: communes.count)
        switch grouping {
        case .commune:
            columns = communes.map { ($0.code, $0.province, 1) }
            columnOfCommune = Array(communes.indices)
        case .province:
            var columnOfProvince: [String: Int] = [:]
            for (ordinal, commune) in communes.enumerated() {
                let column = columnOfProvince[commune.province] ?? columns.count
                if column == columns.count {
                    columnOfProvince[commune.province] = column
                    columns.append((commune.province, "VN", 0))
                }
                columns[column].communes += 1
                columnOfCommune[ordinal] = column
            }
        case .whole(let label):
            if !communes.isEmpty { columns = [(label, nil, communes.count)] }
        }
        let order = columns.indices.sorted { columns[$0].code < columns[$1].code }
        let count = periods.starts.count
        // By period (from 0) and the area's commune (its ordinal), laid out flat: what its records
        // count, and (for a share of what communes declared) what it declared (`Int.min` where it did not).
        func byCommune(_ query: SQLFragment, into cells: inout [Int]) async throws {
            for row in try await connection.query("WITH periods AS (\(periods.query)) \(query)") {
                let (period, commune, number) = try row.decode((Int, String, Int).self)
                guard let ordinal = units.ordinal(ofCommune: commune), (1...count).contains(period) else { continue }
                cells[(period - 1) * communes.count + ordinal] = number
            }
        }
        var hits = [Int](repeating: 0, count: count * communes.count)
        try await byCommune(
            """
            SELECT p.k, g.commune_code, \(formula.perCommune)::bigint AS n
            FROM periods p JOIN statistics.programmes g ON \(formula.condition)
            GROUP BY 1, 2
            """, into: &hits)
        var bases: [Int]?
        if let base = formula.base {
            var declared = [Int](repeating: .min, count: count * communes.count)
            try await byCommune("SELECT k, commune_code, n FROM (\(base)) AS b WHERE n IS NOT NULL", into: &declared)
            bases = declared
        }
        let cells = count * order.count
        var numerators = [Int](repeating: 0, count: cells)
        var denominators = formula.isShare ? numerators : nil
        var shown = [Bool](repeating: false, count: cells)
        var counted = [Int](repeating: 0, count: columns.count)
        var base = [Int](repeating: 0, count: columns.count)
        var declared = [Bool](repeating: false, count: columns.count)
        for period in 0..<count {
            // A share of the communes counts them; a share of what they declared sums it, over those that did.
            for column in columns.indices {
                counted[column] = 0
                base[column] = bases == nil ? columns[column].communes : 0
                declared[column] = bases == nil
            }
            let first = period * communes.count
            for ordinal in communes.indices {
                let column = columnOfCommune[ordinal]
                if let bases {
                    let number = bases[first + ordinal]
                    guard number != .min else { continue }
                    base[column] += number
                    declared[column] = true
                }
                counted[column] += hits[first + ordinal]
            }
            for (index, column) in order.enumerated() {
                let cell = period * order.count + index
                numerators[cell] = counted[column]
                denominators?[cell] = base[column]
                shown[cell] = declared[column] && (formula.isShare || counted[column] > 0)
            }
        }
        return ValueGrid(
            starts: periods.starts, ends: periods.ends,
            series: order.map { ValueGrid.Series(areaCode: columns[$0].code, parentCode: columns[$0].parent, breakdown: nil) },
            numerators: numerators, denominators: denominators, amounts: nil, shown: shown)
    }

    private func tallied(
        _ formula: Formula, from: CalendarDate, to: CalendarDate, months: Int, area: ExportArea, grouping: Grouping,
        breakdown: Indicator.Breakdown?
    ) async throws -> ValueGrid {
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
        let areaKey = "\(grouping) \(area.code ?? "VN")"
        let numerators = try await read(formula.numerator, dimension: numeratorDimension, periods: periods, areas: areas, areaKey: areaKey)
        var denominators: [Series.Key: Series]?
        if let denominator = formula.denominator {
            denominators = try await read(
                denominator, dimension: formula.numeratorDimension == nil ? numeratorDimension : "", periods: periods, areas: areas,
                areaKey: areaKey)
        }
        // Each series with the denominator it is divided by (the unit's total for the mix by form),
        // in the rows' order: by area (the country's named `national`), then breakdown value.
        var keys = Set(numerators.keys)
        if let denominators, formula.numeratorDimension == nil { keys.formUnion(denominators.keys) }
        let ordered = keys.map { (key: $0, areaCode: $0.area == "VN" ? "national" : $0.area) }.sorted {
            ($0.areaCode, $0.key.value) < ($1.areaCode, $1.key.value)
        }
        // Their counts laid out flat, period after period.
        let count = periods.starts.count
        let cells = count * ordered.count
        let loans = formula.numerator.measure == .loans
        var numeratorCounts = [Int](repeating: 0, count: cells)
        var amounts = loans ? numeratorCounts : []
        var denominatorCounts = numeratorCounts
        for (index, entry) in ordered.enumerated() {
            if let numerator = numerators[entry.key] {
                for period in 0..<count { numeratorCounts[period * ordered.count + index] = numerator.counts[period] }
                if loans { for period in 0..<count { amounts[period * ordered.count + index] = numerator.amounts[period] } }
            }
            if let denominator = denominators?[formula.numeratorDimension == nil ? entry.key : Series.Key(area: entry.key.area, value: "")] {
                for period in 0..<count { denominatorCounts[period * ordered.count + index] = denominator.counts[period] }
            }
        }
        // A row has something to show; a mix by form shows only the forms that had some.
        let denominatorShows = formula.numeratorDimension == nil && denominators != nil
        var shown = [Bool](repeating: false, count: cells)
        for cell in 0..<cells {
            shown[cell] = numeratorCounts[cell] != 0 || (loans && amounts[cell] != 0) || (denominatorShows && denominatorCounts[cell] != 0)
        }
        // Cells whose unit and period count someone through a residence recorded under the list
        // before 2025 (the unit's total says so for each of its breakdown's rows too).
        var mapped: [Bool]?
        for term in [formula.numerator, formula.denominator].compactMap({ $0 }) where Measure.byResidence.contains(term.measure) {
            let legacy = try await read(term, dimension: Measure.mappedDimension.dimension, periods: periods, areas: areas, areaKey: areaKey)
            guard !legacy.isEmpty else { continue }
            var cells = mapped ?? [Bool](repeating: false, count: numeratorCounts.count)
            for (index, entry) in ordered.enumerated() {
                guard let series = legacy[Series.Key(area: entry.key.area, value: Measure.mappedDimension.value)] else { continue }
                for period in 0..<count where series.counts[period] != 0 { cells[period * ordered.count + index] = true }
            }
            mapped = cells
        }
        return ValueGrid(
            starts: periods.starts, ends: periods.ends,
            series: ordered.map {
                ValueGrid.Series(
                    areaCode: $0.areaCode, parentCode: units.parent(of: $0.key.area), breakdown: $0.key.value.isEmpty ? nil : $0.key.value)
            },
            numerators: numeratorCounts, denominators: denominators == nil ? nil : denominatorCounts,
            amounts: loans ? amounts : nil, shown: shown, mapped: mapped)
    }

    /// One term's counts (and amounts) in each period, by area and breakdown value: a period's
    /// count of a stock or an overlap carries what came before it.
    struct Series {
        struct Key: Hashable, Sendable {
            let area: String
            let value: String
        }

        /// By period, from the first.
        var counts: [Int]
        /// By period, for loans; empty for other measures.
        var amounts: [Int]
    }

    /// One term's series by area and breakdown value: each area's and value's rows summed by period
    /// (0 before the first), then the counts carried forward along the periods.
    /// `areas` selects the rows (`t` is the table); `areaKey` names that selection for `reads`.
    private func read(
        _ term: Formula.Term, dimension: String, periods: Periods, areas: SQLFragment, areaKey: String
    ) async throws -> [Series.Key: Series] {
        // Only the columns the reading needs: the first day's exits for an overlap, amounts for loans.
        let overlap = term.reading == .overlap
        let loans = term.measure == .loans
        // Each area's and value's sums by period number (0 before the first period), laid out flat:
        // series `s` has its entries and exits at `s * width`, then its exits on a period's first
        // day (an overlap's) and its amounts (loans'), each `count + 1` long.
        let count = periods.starts.count
        let length = count + 1
        let firstDaySection = overlap ? 2 * length : 0
        let amountSection = (overlap ? 3 : 2) * length
        let width = (2 + (overlap ? 1 : 0) + (loans ? 1 : 0)) * length
        var seriesOf: [Series.Key: Int] = [:]
        var sums: [Int] = []
        /// Where the sums of `key`'s series begin, made (zeros) on its first row.
        func base(of key: Series.Key) -> Int {
            if let index = seriesOf[key] { return index * width }
            seriesOf[key] = seriesOf.count
            sums.append(contentsOf: repeatElement(0, count: width))
            return sums.count - width
        }
        func add(base: Int, period: Int, entered: Int, exited: Int, exitedFirstDay: Int, amount: Int) {
            sums[base + period] += entered
            sums[base + length + period] += exited
            if overlap { sums[base + firstDaySection + period] += exitedFirstDay }
            if loans { sums[base + amountSection + period] += amount }
        }
        // Months a period holds whole are read by the month (a third of the rows, a thirtieth of a
        // stock's before the periods): every month when the periods are made of whole months, else
        // those before the first month a boundary splits, and the days from that month on.
        let split = periods.firstSplitMonth
        let flowSince = term.reading == .flow ? periods.starts[0] : nil
        let lastDayByMonth = split.map { $0.adding(days: -1) } ?? periods.to
        if flowSince.map({ $0 <= lastDayByMonth }) ?? true {
            // Each month put in its period here; a stock reads the first day's exits too when its
            // measure's reads are shared, so that an overlap of the same measure can use the same rows.
            let key = AggregateReads.Key(
                measure: term.measure.rawValue, dimension: dimension, areas: areaKey, to: lastDayByMonth, since: flowSince,
                firstDayExits: overlap || (term.reading == .stock && reads.keeps(term.measure.rawValue)), amounts: loans)
            let rows = try await reads.rows(key) { try await monthlyRows(key, areas: areas) }
            // Each of the rows' series, where its sums begin (-1 until its first row).
            var bases = [Int](repeating: -1, count: rows.keys.count)
            for row in rows.series.indices {
                let index = Int(rows.series[row])
                if bases[index] < 0 { bases[index] = base(of: rows.keys[index]) }
                let month = Int(rows.months[row])
                add(
                    base: bases[index], period: periods.period(ofMonth: month), entered: rows.entered[row], exited: rows.exited[row],
                    exitedFirstDay: overlap && periods.begins(month: month) ? rows.exitedFirstDay[row] : 0,
                    amount: loans ? rows.amounts[row] : 0)
            }
        }
        if let split {
            // The days from the split month on, summed by period in the database. A monthly row
            // (the person's breakdowns) keeps the exits on its first day apart; a daily row's exits
            // on a period's first day are all of them.
            let since = max(split, flowSince ?? split)
            let firstDayExits: SQLFragment = Measure.commonDimensions.contains(dimension) ? "t.exited_first" : "t.exited"
            let rows = try await connection.query(
                """
                SELECT t.area_code, t.value, width_bucket(t.day, \(periods.starts)::date[]),
                       sum(t.entered)::bigint, sum(t.exited)::bigint, sum(t.amount)::bigint,
                       coalesce(sum(\(firstDayExits)) FILTER (WHERE t.day = ANY(\(periods.starts)::date[])), 0)::bigint
                FROM statistics.tallies t
                WHERE t.measure = \(term.measure.rawValue) AND t.dimension = \(dimension) AND \(areas) AND t.day BETWEEN \(since) AND \(periods.to)
                GROUP BY 1, 2, 3
                """)
            for row in rows {
                add(
                    base: base(of: Series.Key(area: try row.text(at: 0), value: try row.text(at: 1))), period: try row.integer(at: 2),
                    entered: try row.integer(at: 3), exited: try row.integer(at: 4), exitedFirstDay: try row.integer(at: 6),
                    amount: try row.integer(at: 5))
            }
        }
        var series: [Series.Key: Series] = [:]
        series.reserveCapacity(seriesOf.count)
        for (key, index) in seriesOf {
            let base = index * width
            let entered = base
            let exited = base + length
            let exitedFirstDay = base + firstDaySection
            let amount = base + amountSection
            var counts = [Int](repeating: 0, count: count)
            var enteredSoFar = sums[entered]
            var exitedSoFar = sums[exited]
            for period in 1...count {
                enteredSoFar += sums[entered + period]
                exitedSoFar += sums[exited + period]
                counts[period - 1] =
                    switch term.reading {
                    case .stock: enteredSoFar - exitedSoFar
                    case .flow: sums[entered + period]
                    // Open on the first day or entered later: all entered by the end, less those exited by the first day.
                    case .overlap: enteredSoFar - (exitedSoFar - sums[exited + period] + sums[exitedFirstDay + period])
                    }
            }
            series[key] = Series(counts: counts, amounts: loans ? Array(sums[amount + 1...amount + count]) : [])
        }
        return series
    }

    /// The monthly aggregate rows `key` names, from the database: from `monthly_tallies`, or for
    /// the person's breakdowns (kept by the month, dated the month's first day) from `tallies`.
    private func monthlyRows(_ key: AggregateReads.Key, areas: SQLFragment) async throws -> AggregateReads.Rows {
        let (table, month): (SQLFragment, SQLFragment) =
            Measure.commonDimensions.contains(key.dimension) ? ("statistics.tallies", "t.day") : ("statistics.monthly_tallies", "t.month")
        let since: SQLFragment = key.since.map { "AND \(month) >= \($0)" } ?? ""
        let result = try await connection.query(
            """
            SELECT t.area_code, t.value, \(month) - DATE '1970-01-01', t.entered, t.exited\(key.firstDayExits ? ", t.exited_first" : "" as SQLFragment)\(key.amounts ? ", t.amount" : "" as SQLFragment)
            FROM \(table) t
            WHERE t.measure = \(key.measure) AND t.dimension = \(key.dimension) AND \(areas) AND \(month) <= \(key.to) \(since)
            """)
        var rows = AggregateReads.Rows()
        var indexOf: [Series.Key: Int32] = [:]
        let amountColumn = key.firstDayExits ? 6 : 5
        for row in result {
            let series = Series.Key(area: try row.text(at: 0), value: try row.text(at: 1))
            let index: Int32
            if let known = indexOf[series] {
                index = known
            } else {
                index = Int32(rows.keys.count)
                indexOf[series] = index
                rows.keys.append(series)
            }
            let date = CalendarDate(daysSinceEpoch: try row.integer(at: 2))
            rows.series.append(index)
            rows.months.append(Int32(date.year * 12 + date.month - 1))
            rows.entered.append(try row.integer(at: 3))
            rows.exited.append(try row.integer(at: 4))
            if key.firstDayExits { rows.exitedFirstDay.append(try row.integer(at: 5)) }
            if key.amounts { rows.amounts.append(try row.integer(at: amountColumn)) }
        }
        return rows
    }
}
