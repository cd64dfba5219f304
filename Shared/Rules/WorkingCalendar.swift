import Postgres

/// Which days are working days: Monday to Friday, except the public holidays and the weekend days
/// the government swaps to working days, both given as data (the holidays of a year, Tết above
/// all, follow the lunar calendar and each year's announcement).
public struct WorkingCalendar: Sendable {
    /// Days that are not what their weekday says: `false` for a weekday off, `true` for a weekend
    /// day worked.
    public let exceptions: [CalendarDate: Bool]

    public init(exceptions: [CalendarDate: Bool]) {
        self.exceptions = exceptions
    }

    public func isWorkingDay(_ day: CalendarDate) -> Bool {
        if let exception = exceptions[day] { return exception }
        // 1970-01-01 was a Thursday: 0 is Monday, 5 and 6 the weekend.
        let weekday = ((day.daysSinceEpoch + 3) % 7 + 7) % 7
        return weekday < 5
    }

    /// The `count`th working day after `day` (the day itself not counted): the last day of a
    /// deadline of `count` working days starting on `day`.
    public func adding(workingDays count: Int, after day: CalendarDate) -> CalendarDate {
        var current = day
        var left = count
        while left > 0 {
            current = current.adding(days: 1)
            if isWorkingDay(current) { left -= 1 }
        }
        return current
    }
}
