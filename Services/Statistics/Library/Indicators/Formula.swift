/// How an indicator is computed from the live aggregates: a numerator and, for a share, a
/// denominator, each a measure read as a stock (on the period's last day), a flow (during the
/// period) or an overlap (intervals open on at least one day of the period).
struct Formula: Sendable {
    enum Reading: String, Sendable {
        case stock, flow, overlap
    }

    struct Term: Sendable {
        let measure: Measure
        let reading: Reading

        static func stock(_ measure: Measure) -> Term { Term(measure: measure, reading: .stock) }
        static func flow(_ measure: Measure) -> Term { Term(measure: measure, reading: .flow) }
        static func overlap(_ measure: Measure) -> Term { Term(measure: measure, reading: .overlap) }
    }

    let numerator: Term
    let denominator: Term?
    /// A breakdown the numerator always has, against the denominator's total (the mix by form).
    var numeratorDimension: String? = nil

    /// The breakdowns both terms have, so that a share can be broken down by them.
    var breakdowns: [Indicator.Breakdown] {
        guard numeratorDimension == nil else { return [] }
        let common = Measure.commonDimensions.compactMap(Indicator.Breakdown.init(rawValue:))
        let own = numerator.measure.ownDimensions.filter { dimension in
            denominator.map { $0.measure.ownDimensions.contains(dimension) } ?? true
        }
        return common + own.compactMap(Indicator.Breakdown.init(rawValue:))
    }
}
