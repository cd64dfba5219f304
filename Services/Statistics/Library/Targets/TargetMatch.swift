import Postgres

/// An indicator's targets by unit and year, ready to give each row its target, gap and status.
struct TargetMatch: Sendable {
    private struct Key: Hashable {
        let areaCode: String
        let year: Int
    }

    private let byUnit: [Key: Target]
    /// Whether the indicator is a flow count (its minimum is counted pro rata while the year runs).
    let flowCount: Bool
    let today: CalendarDate

    init(_ targets: [Target], flowCount: Bool, today: CalendarDate) {
        byUnit = Dictionary(targets.map { (Key(areaCode: $0.areaCode, year: $0.year), $0) }, uniquingKeysWith: { first, _ in first })
        self.flowCount = flowCount
        self.today = today
    }

    /// Gives `row` its unit's target for the year its period ends in, with the gap and status.
    func apply(to row: inout IndicatorValues.Row) {
        guard let (target, gap, status) = outcome(areaCode: row.areaCode, periodEnd: row.periodEnd, value: row.value) else { return }
        row.target = target
        row.gap = gap
        row.status = status
    }

    /// The unit's target for the year a period ends in, and how `value` stands against it (no gap
    /// or status without a value); nil without a target.
    func outcome(areaCode: String, periodEnd: CalendarDate, value: Double?) -> (Target, gap: Double?, status: Target.Status?)? {
        guard let target = byUnit[Key(areaCode: areaCode, year: periodEnd.year)] else { return nil }
        guard let value else { return (target, nil, nil) }
        return (target, target.gap(of: value), target.status(of: value, at: periodEnd, flowCount: flowCount, today: today))
    }
}
