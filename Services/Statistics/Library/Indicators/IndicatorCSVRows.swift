import NIOCore
import Postgres

/// The indicator CSV's text as it is written, a chunk at a time: the header, then each
/// indicator's rows (from its grid, cell by cell, or from its rows). The fields that repeat from
/// row to row (the indicator's, each unit's, each period's, each breakdown value's) are written
/// once and copied after.
struct IndicatorCSVRows {
    private var csv: CSVWriter
    private let chunkSize: Int
    private var indicator: IndicatorValues?
    private var units: AreaUnits?
    /// The next cell of the grid, or row, to write.
    private var next = 0
    private var count = 0
    private var leading: [UInt8] = []
    /// A grid's fields, all written in `gridFields` when it begins: by series and by period.
    private var gridFields: [UInt8] = []
    private var seriesUnits: [Range<Int>] = []
    private var seriesBreakdowns: [Range<Int>] = []
    private var periods: [Range<Int>] = []
    /// Rows' fields, by the unit's code (across indicators) and by breakdown value and period.
    private var unitsByCode: [String: [UInt8]] = [:]
    private var breakdowns: [String: [UInt8]] = [:]
    private var lastPeriod: (start: CalendarDate, end: CalendarDate, fields: [UInt8])?

    init(chunkSize: Int) {
        self.chunkSize = chunkSize
        csv = CSVWriter(capacity: chunkSize + 4096)
        csv.writeByteOrderMark()
        for name in IndicatorCSV.header { csv.text(name) }
        csv.endRow()
    }

    /// Starts on `indicator`; a row without a name takes its unit's from `units`.
    mutating func begin(_ indicator: IndicatorValues, units: AreaUnits) {
        self.indicator = indicator
        self.units = units
        next = 0
        leading = Self.fields { csv in
            csv.text(indicator.indicator)
            csv.text(indicator.generation)
        }
        breakdowns = [:]
        if let grid = indicator.grid {
            count = grid.starts.count * grid.series.count
            gridFields = []
            func add(_ fields: [UInt8]) -> Range<Int> {
                gridFields.append(contentsOf: fields)
                return gridFields.count - fields.count..<gridFields.count
            }
            seriesUnits = grid.series.map { add(unitFields(code: $0.areaCode, name: nil, units: units)) }
            seriesBreakdowns = grid.series.map { add(Self.breakdownFields($0.breakdown, of: indicator)) }
            periods = grid.starts.indices.map { add(Self.dateFields(grid.starts[$0], grid.ends[$0])) }
        } else {
            count = indicator.items.count
        }
    }

    /// Whether the indicator's rows are all written.
    var isDone: Bool { next >= count }

    var isChunkFull: Bool { csv.buffer.readableBytes >= chunkSize }

    /// Hands over the text written so far.
    mutating func take() -> ByteBuffer { csv.take() }

    /// Hands over what is left, if anything.
    mutating func takeRest() -> ByteBuffer? { csv.buffer.readableBytes > 0 ? csv.take() : nil }

    /// Writes the indicator's rows until a chunk is full or they end.
    mutating func writeChunk() {
        guard let indicator, let units else { return }
        if let grid = indicator.grid {
            // The repeated fields are copied from `gridFields` (no array is retained per row).
            let series = grid.series.count
            let gridFields = gridFields
            gridFields.withUnsafeBytes { stored in
                while next < count, csv.buffer.readableBytes < chunkSize {
                    let cell = next
                    next += 1
                    guard grid.shown[cell] else { continue }
                    let (period, index) = cell.quotientAndRemainder(dividingBy: series)
                    let figures = grid.figures(cell: cell)
                    let outcome = grid.targets?.outcome(areaCode: grid.series[index].areaCode, periodEnd: grid.ends[period], value: figures.value)
                    write(
                        unit: UnsafeRawBufferPointer(rebasing: stored[seriesUnits[index]]),
                        dates: UnsafeRawBufferPointer(rebasing: stored[periods[period]]),
                        breakdown: UnsafeRawBufferPointer(rebasing: stored[seriesBreakdowns[index]]), numerator: figures.numerator,
                        denominator: figures.denominator, value: figures.value, amountVnd: figures.amountVnd, previousValue: nil, suppressed: false,
                        target: outcome?.0, gap: outcome?.gap, status: outcome?.status, mapped: grid.mapped?[cell] ?? false)
                }
            }
        } else {
            while next < count, csv.buffer.readableBytes < chunkSize {
                write(indicator.items[next], of: indicator, units: units)
                next += 1
            }
        }
    }

    private mutating func write(_ row: IndicatorValues.Row, of indicator: IndicatorValues, units: AreaUnits) {
        let unit = unitsByCode[row.areaCode] ?? unitFields(code: row.areaCode, name: row.areaName, units: units)
        let dates: [UInt8]
        if let last = lastPeriod, last.start == row.periodStart, last.end == row.periodEnd {
            dates = last.fields
        } else {
            dates = Self.dateFields(row.periodStart, row.periodEnd)
            lastPeriod = (row.periodStart, row.periodEnd, dates)
        }
        let breakdown = breakdowns[row.breakdown ?? ""] ?? Self.breakdownFields(row.breakdown, of: indicator)
        breakdowns[row.breakdown ?? ""] = breakdown
        unit.withUnsafeBytes { unit in
            dates.withUnsafeBytes { dates in
                breakdown.withUnsafeBytes { breakdown in
                    write(
                        unit: unit, dates: dates, breakdown: breakdown, numerator: row.numerator, denominator: row.denominator,
                        value: row.value, amountVnd: row.amountVnd, previousValue: row.previousValue, suppressed: row.suppressed,
                        target: row.target, gap: row.gap, status: row.status, mapped: row.mapped ?? false)
                }
            }
        }
    }

    /// One row: the repeated fields as they were written, then the figures.
    private mutating func write(
        unit: UnsafeRawBufferPointer, dates: UnsafeRawBufferPointer, breakdown: UnsafeRawBufferPointer, numerator: Int?, denominator: Int?,
        value: Double?, amountVnd: Int?,
        previousValue: Double?, suppressed: Bool, target: Target?, gap: Double?, status: Target.Status?, mapped: Bool
    ) {
        let status = status?.rawValue
        let limit =
            leading.count + unit.count + dates.count + breakdown.count + 4 + 8 * CSVFields.numberLimit
            + 2 * CSVFields.booleanLimit + CSVFields.limit(ofText: status) + 2
        let leading = leading
        csv.row(atMost: limit) { fields in
            fields.fields(leading)
            fields.fields(unit)
            fields.fields(dates)
            fields.fields(breakdown)
            fields.integer(numerator)
            fields.integer(denominator)
            fields.number(value)
            fields.integer(amountVnd)
            fields.number(previousValue)
            fields.boolean(suppressed)
            fields.number(target?.minimum)
            fields.number(target?.maximum)
            fields.number(gap)
            fields.text(status)
            fields.boolean(mapped)
            fields.endRow()
        }
    }

    /// The unit's code and name (its 2025 name from `units` when the row has none), kept by code.
    private mutating func unitFields(code: String, name: String?, units: AreaUnits) -> [UInt8] {
        if let fields = unitsByCode[code] { return fields }
        let fields = Self.fields { csv in
            csv.text(code)
            csv.text(name ?? units.name(of: code))
        }
        unitsByCode[code] = fields
        return fields
    }

    private static func dateFields(_ start: CalendarDate, _ end: CalendarDate) -> [UInt8] {
        fields { csv in
            csv.date(year: start.year, month: start.month, day: start.day)
            csv.date(year: end.year, month: end.month, day: end.day)
        }
    }

    /// The breakdown's name and the value (both empty for a row without one).
    private static func breakdownFields(_ value: String?, of indicator: IndicatorValues) -> [UInt8] {
        fields { csv in
            csv.text(value == nil ? nil : indicator.breakdown)
            csv.text(value)
        }
    }

    private static func fields(_ write: (inout CSVWriter) -> Void) -> [UInt8] {
        var csv = CSVWriter(capacity: 64)
        write(&csv)
        return csv.fields
    }
}
