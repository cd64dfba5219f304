import Postgres
import Testing

@testable import Statistics

/// Small-cell suppression for other agencies: a count from 1 to 4 is hidden, and so is the next
/// smallest cell of any group (units of one parent, values of one breakdown) left with a lone
/// hidden cell that its total would reveal.
@Suite("Statistics: small cells and their complements")
struct CellSuppressionTests {
    static let january = CalendarDate(year: 2025, month: 1, day: 1)!
    static let december = CalendarDate(year: 2025, month: 12, day: 31)!

    static func row(_ area: String, _ breakdown: String?, _ numerator: Int, _ denominator: Int? = nil) -> IndicatorValues.Row {
        IndicatorValues.Row(
            areaCode: area, areaName: nil, periodStart: january, periodEnd: december, breakdown: breakdown, numerator: numerator,
            denominator: denominator, value: Double(numerator), amountVnd: nil, suppressed: false)
    }

    static func hidden(_ rows: [IndicatorValues.Row]) -> [String] {
        rows.filter(\.suppressed).map { "\($0.areaCode)/\($0.breakdown ?? "")" }.sorted()
    }

    @Test func aLoneSmallCellAmongUnitsTakesTheNextSmallestWithIt() {
        var rows = [Self.row("00004", nil, 20), Self.row("00008", nil, 3), Self.row("00012", nil, 8), Self.row("00016", nil, 0, 9)]
        let report = CellSuppression.apply(to: &rows, limit: 5)
        #expect(Self.hidden(rows) == ["00008/", "00012/"])
        #expect(report == .init(primary: 1, complementary: 1))
        #expect(rows[1].numerator == nil && rows[1].value == nil && rows[2].numerator == nil)
        #expect(rows[0].numerator == 20 && rows[3].denominator == 9)
    }

    @Test func unitsAreGroupedByTheirParentWhoseTotalIsKnown() {
        func row(_ area: String, _ province: String, _ numerator: Int) -> IndicatorValues.Row {
            var row = Self.row(area, nil, numerator)
            row.parentCode = province
            return row
        }
        // One small commune in each of two provinces: each province's total would give its own away.
        var rows = [row("00004", "01", 3), row("00008", "01", 12), row("26734", "79", 2), row("26737", "79", 9), row("26740", "79", 30)]
        let report = CellSuppression.apply(to: &rows, limit: 5)
        #expect(Self.hidden(rows) == ["00004/", "00008/", "26734/", "26737/"])
        #expect(report == .init(primary: 2, complementary: 2))
    }

    @Test func twoSmallCellsNeedNoComplementAndZerosAreNotSmall() {
        var rows = [Self.row("00004", nil, 20), Self.row("00008", nil, 3), Self.row("00012", nil, 4), Self.row("00016", nil, 0)]
        #expect(CellSuppression.apply(to: &rows, limit: 5) == .init(primary: 2, complementary: 0))
        #expect(Self.hidden(rows) == ["00008/", "00012/"])
    }

    @Test func aShareIsHiddenWhenItsDenominatorIsSmall() {
        var rows = [Self.row("00004", nil, 0, 3), Self.row("00008", nil, 6, 12)]
        #expect(CellSuppression.apply(to: &rows, limit: 5) == .init(primary: 1, complementary: 1))
    }

    @Test func complementsSpreadAcrossUnitsAndBreakdownValuesUntilNoneIsAlone() {
        var rows = [
            Self.row("00004", "female", 2), Self.row("00004", "male", 10), Self.row("00008", "female", 6), Self.row("00008", "male", 7),
            Self.row("00012", "female", 30), Self.row("00012", "male", 40),
        ]
        let report = CellSuppression.apply(to: &rows, limit: 5)
        // 00004/female is small: 00008/female (the smaller sibling) and 00004/male go with it; then
        // 00004/male is alone among the men, so 00008/male goes too; 00012 stays visible.
        #expect(Self.hidden(rows) == ["00004/female", "00004/male", "00008/female", "00008/male"])
        #expect(report == .init(primary: 1, complementary: 3))
    }
}
