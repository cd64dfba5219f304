import Postgres

/// A duration the law sets, with the rule it comes from: what the system applies and what it
/// tells people it applied.
public struct LegalDuration: Sendable, Equatable {
    public let months: Int
    /// The legal basis, as people cite it (`Law 73/2021/QH14, Art. 23`).
    public let rule: String

    public init(months: Int, rule: String) {
        self.months = months
        self.rule = rule
    }

    /// The day the duration ends when it starts on `start` (`start` plus `months`, clamped to the
    /// month's last day).
    public func end(from start: CalendarDate) -> CalendarDate { start.adding(months: months) }
}
