import Postgres

/// The regimes known, in the order they came into force: which one judges a date.
public struct RegimeBook: Sendable {
    /// Sorted by `effectiveFrom`.
    public let regimes: [Regime]

    public init(_ regimes: [Regime]) {
        self.regimes = regimes.sorted { $0.effectiveFrom < $1.effectiveFrom }
    }

    /// The regime in force on `day`: the last one in force from that day or before (nil before the first).
    public func inForce(on day: CalendarDate) -> Regime? {
        regimes.last { $0.effectiveFrom <= day }
    }

    /// The last day `regime` is in force (the day before the next one), nil while it is the latest.
    public func lastDay(of regime: Regime) -> CalendarDate? {
        regimes.first { $0.effectiveFrom > regime.effectiveFrom }.map { $0.effectiveFrom.adding(days: -1) }
    }
}
