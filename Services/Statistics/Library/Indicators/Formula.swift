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
    }

    let numerator: Term
    let denominator: Term?
    /// A breakdown the numerator always has, against the denominator's total (the mix by form).
    var numeratorDimension: String? = nil

    static func stock(_ measure: Measure) -> Term { Term(measure: measure, reading: .stock) }
    static func flow(_ measure: Measure) -> Term { Term(measure: measure, reading: .flow) }
    static func overlap(_ measure: Measure) -> Term { Term(measure: measure, reading: .overlap) }

    /// The indicators computed so far, by id; the catalogue defines the others.
    static let all: [String: Formula] = [
        "people_under_management": Formula(numerator: stock(.underManagement), denominator: nil),
        "determinations": Formula(numerator: flow(.determinations), denominator: nil),
        "people_in_treatment": Formula(numerator: stock(.inTreatment), denominator: nil),
        "treated_share": Formula(numerator: stock(.treatedOnRecord), denominator: stock(.onRecord)),
        "compulsory_share": Formula(numerator: flow(.compulsoryAdmissions), denominator: flow(.admissions)),
        "treatment_mix": Formula(numerator: flow(.admissions), denominator: flow(.admissions), numeratorDimension: "treatment_form"),
        "aftercare_coverage": Formula(numerator: flow(.coveredCompletions), denominator: flow(.facilityCompletions)),
        "people_in_aftercare": Formula(numerator: stock(.inAftercare), denominator: nil),
        "relapse_rate": Formula(numerator: flow(.relapses), denominator: overlap(.inAftercare)),
        "loans": Formula(numerator: flow(.loans), denominator: nil),
    ]

    /// The breakdowns both terms have, so that a share can be broken down by them.
    var breakdowns: [Indicator.Breakdown] {
        guard numeratorDimension == nil else { return [] }
        let common = Measure.commonDimensions.compactMap(Indicator.Breakdown.init(rawValue:))
        guard let own = numerator.measure.ownDimension, denominator.map({ $0.measure.ownDimension == own }) ?? true,
            let breakdown = Indicator.Breakdown(rawValue: own)
        else { return common }
        return common + [breakdown]
    }
}
