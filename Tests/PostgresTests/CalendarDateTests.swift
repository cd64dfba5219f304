import Postgres
import Testing

@Suite("CalendarDate arithmetic and parsing")
struct CalendarDateTests {
    @Test func parsesOnlyRealDays() {
        #expect(CalendarDate("2024-02-29") != nil)
        #expect(CalendarDate("2023-02-29") == nil)
        #expect(CalendarDate("2023-13-01") == nil)
        #expect(CalendarDate("2023-1-01") == nil)
        #expect(CalendarDate("01/02/2023") == nil)
    }

    @Test func daysSinceEpochIsTheInverseOfInit() {
        for days in stride(from: -800_000, through: 2_900_000, by: 997) {
            #expect(CalendarDate(daysSinceEpoch: days).daysSinceEpoch == days)
        }
        #expect(CalendarDate(year: 1970, month: 1, day: 1)!.daysSinceEpoch == 0)
        #expect(CalendarDate(year: 2000, month: 3, day: 1)!.daysSinceEpoch == 11_017)
    }

    @Test func addingMonthsClampsToTheMonthEnd() {
        let start = CalendarDate(year: 2024, month: 1, day: 31)!
        #expect(start.adding(months: 1).description == "2024-02-29")
        #expect(start.adding(months: 12).description == "2025-01-31")
        #expect(start.adding(months: -2).description == "2023-11-30")
        // Beyond the years a date holds: the last or first day, never a trap (a client's 9999-12-01 plus a term).
        #expect(CalendarDate("9999-12-01")!.adding(months: 36).description == "9999-12-31")
        #expect(CalendarDate("0001-02-01")!.adding(months: -2).description == "0001-01-01")
        #expect(CalendarDate(year: 2022, month: 1, day: 1)!.adding(days: 365).description == "2023-01-01")
    }
}
