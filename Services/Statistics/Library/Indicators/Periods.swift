import Postgres

/// Consecutive periods of `months` months from `from`, the last one cut at `to`.
struct Periods: Sendable {
    let from: CalendarDate
    let to: CalendarDate
    let months: Int

    /// Rows (s, e): each period's first and last day.
    var query: SQLFragment {
        """
        SELECT s::date AS s, least((s + make_interval(months => \(months)::int))::date - 1, \(to)) AS e
        FROM generate_series(\(from)::date, \(to)::date, make_interval(months => \(months)::int)) AS s
        """
    }

    /// The last day of the period that begins on `start`.
    func end(of start: CalendarDate) -> CalendarDate {
        min(start.adding(months: months).adding(days: -1), to)
    }
}
