import Postgres

/// An indicator's figures laid out by period and series (a unit and breakdown value) before any
/// row is made: a CSV makes its rows one at a time as it writes them, a JSON answer all at once
/// (`rows()`). Rows come period by period, each period's in the series' order.
struct ValueGrid: Sendable {
    struct Series: Sendable {
        let areaCode: String
        /// The unit whose total covers the series' rows.
        let parentCode: String?
        let breakdown: String?
    }

    let starts: [CalendarDate]
    let ends: [CalendarDate]
    let series: [Series]
    /// By cell (`period * series.count + series`): the count, the denominator of a share, the loan
    /// amount, and whether the cell has a row.
    let numerators: [Int]
    let denominators: [Int]?
    let amounts: [Int]?
    let shown: [Bool]
    /// By cell: whether some of its count came through a residence recorded under the list
    /// before 2025 and placed in its 2025 commune by the official mapping (nil: none did).
    var mapped: [Bool]? = nil
    /// The targets each row is given as it is made.
    var targets: TargetMatch?

    /// A cell's figures: a share in percent with one decimal (none without a denominator), a
    /// count as itself.
    func figures(cell: Int) -> (numerator: Int, denominator: Int?, value: Double?, amountVnd: Int?) {
        let numerator = numerators[cell]
        let denominator = denominators?[cell]
        let value: Double? =
            if let denominator { denominator > 0 ? Double((numerator * 2000 / denominator + 1) / 2) / 10 : nil } else { Double(numerator) }
        return (numerator, denominator, value, amounts?[cell])
    }

    /// The row of a period and series, nil when the cell has none.
    func row(period: Int, series index: Int) -> IndicatorValues.Row? {
        let cell = period * series.count + index
        guard shown[cell] else { return nil }
        let figures = figures(cell: cell)
        let series = series[index]
        var row = IndicatorValues.Row(
            areaCode: series.areaCode, areaName: nil, periodStart: starts[period], periodEnd: ends[period], breakdown: series.breakdown,
            numerator: figures.numerator, denominator: figures.denominator, value: figures.value, amountVnd: figures.amountVnd,
            suppressed: false)
        row.parentCode = series.parentCode
        row.mapped = mapped?[cell] ?? false
        targets?.apply(to: &row)
        return row
    }

    /// Every row, in order.
    func rows() -> [IndicatorValues.Row] {
        var rows: [IndicatorValues.Row] = []
        rows.reserveCapacity(shown.lazy.filter { $0 }.count)
        for period in starts.indices {
            for index in series.indices {
                if let row = row(period: period, series: index) { rows.append(row) }
            }
        }
        return rows
    }
}
