import Postgres

/// Consecutive periods of `months` months from `from` (the i-th beginning `months * i` months
/// after it), the last one cut at `to`.
struct Periods: Sendable {
    let starts: [CalendarDate]
    let ends: [CalendarDate]
    /// Each period's length in months (the last may be cut shorter).
    let months: Int

    init(from: CalendarDate, to: CalendarDate, months: Int) {
        self.months = months
        var starts: [CalendarDate] = []
        var start = from
        while start <= to {
            starts.append(start)
            start = from.adding(months: months * starts.count)
        }
        self.starts = starts
        ends = starts.indices.map { index in index + 1 < starts.count ? starts[index + 1].adding(days: -1) : to }
    }

    /// Whether every period is made of whole months (each begins on a month's first day, the last
    /// ends on a month's last).
    var areWholeMonths: Bool { starts.allSatisfy { $0.day == 1 } && to.adding(days: 1).day == 1 }

    /// The first day of the first month that a boundary splits (a period's first day, or the day
    /// after the last, that is not a month's first day); nil when every period is made of whole
    /// months. Each month before it lies within one period or before the first: its sums by the
    /// month put in the right period (`period(ofMonth:)`), and only the days from it on need
    /// reading day by day. (Periods begin `months` months apart: when the first begins on a
    /// month's first day so do all, and the only split month is the last's.)
    var firstSplitMonth: CalendarDate? {
        guard let boundary = (starts + [to.adding(days: 1)]).first(where: { $0.day != 1 }) else { return nil }
        return CalendarDate(year: boundary.year, month: boundary.month, day: 1)
    }

    /// The number (from 1) of the period holding the month numbered `month` (`year * 12 + month - 1`),
    /// 0 before the first; for whole-month periods, or a month before `firstSplitMonth`.
    func period(ofMonth month: Int) -> Int {
        let first = starts[0].year * 12 + starts[0].month - 1
        return month < first ? 0 : min((month - first) / months + 1, starts.count)
    }

    /// Whether the month numbered `month` begins a period; for whole-month periods, or a month
    /// before `firstSplitMonth`.
    func begins(month: Int) -> Bool {
        let first = starts[0].year * 12 + starts[0].month - 1
        return month >= first && (month - first) % months == 0 && (month - first) / months < starts.count
    }

    var to: CalendarDate { ends.last ?? starts.first ?? CalendarDate(daysSinceEpoch: 0) }

    /// Rows (k, s, e): each period's number from 1, first and last day.
    var query: SQLFragment {
        "SELECT k::int, s, e FROM unnest(\(starts)::date[], \(ends)::date[]) WITH ORDINALITY AS p(s, e, k)"
    }
}
