/// How an indicator's values are computed: from the live aggregates, from the communes'
/// programme records, or as the change of another indicator on the same period a year before.
enum Computation: Sendable {
    case tallies(Formula)
    case programmes(ProgrammeFormula)
    case change(of: String)

    /// The indicators computed so far, by id; the catalogue defines the others.
    static let all: [String: Computation] = [
        "people_under_management": .tallies(Formula(numerator: .stock(.underManagement), denominator: nil)),
        "determinations": .tallies(Formula(numerator: .flow(.determinations), denominator: nil)),
        "people_in_treatment": .tallies(Formula(numerator: .stock(.inTreatment), denominator: nil)),
        "treated_share": .tallies(Formula(numerator: .stock(.treatedOnRecord), denominator: .stock(.onRecord))),
        "compulsory_share": .tallies(Formula(numerator: .flow(.compulsoryAdmissions), denominator: .flow(.admissions))),
        "treatment_mix": .tallies(Formula(numerator: .flow(.admissions), denominator: .flow(.admissions), numeratorDimension: "treatment_form")),
        "aftercare_coverage": .tallies(Formula(numerator: .flow(.coveredCompletions), denominator: .flow(.facilityCompletions))),
        "people_in_aftercare": .tallies(Formula(numerator: .stock(.inAftercare), denominator: nil)),
        "relapse_rate": .tallies(Formula(numerator: .flow(.relapses), denominator: .overlap(.inAftercare))),
        "relapse_rate_change": .change(of: "relapse_rate"),
        "loans": .tallies(Formula(numerator: .flow(.loans), denominator: nil)),
        "vocational_counselling_share": .tallies(Formula(numerator: .overlap(.counselledCases), denominator: .overlap(.casesNeedingWork))),
        "vocational_training_share": .tallies(Formula(numerator: .overlap(.trainedCases), denominator: .overlap(.casesNeedingTraining))),
        "job_referral_share": .tallies(Formula(numerator: .overlap(.jobReferredCases), denominator: .overlap(.casesNeedingJob))),
        "campaign_communes_share": .programmes(.campaignCommunes),
        "aftercare_model_communes_share": .programmes(.aftercareModelCommunes),
        "drug_free_communes": .programmes(.drugFreeCommunes),
        "volunteer_teams_and_clubs": .programmes(.teamsAndClubs),
        "communes_turned_drug_free": .programmes(.turnedDrugFree),
        "staff_trained_share": .programmes(.staffTrained),
    ]

    /// Whether its rows are always by the district each commune belonged to before 2025-07-01.
    var isByFormerDistrict: Bool {
        if case .programmes(.turnedDrugFree) = self { return true }
        return false
    }

    /// Whether every row of a unit and period has the unit's total as denominator (the mix by form).
    var hasSharedDenominator: Bool {
        if case .tallies(let formula) = self { return formula.numeratorDimension != nil }
        return false
    }

    /// Whether its rows can be added up by former district (a change on the previous year cannot).
    var addsUp: Bool {
        if case .change = self { return false }
        return true
    }

    /// The breakdown of its rows when `asked` is asked (the mix is always by form).
    func breakdownName(asked: Indicator.Breakdown?) -> String? {
        if case .tallies(let formula) = self, let own = formula.numeratorDimension { return own }
        return asked?.rawValue
    }

    /// The breakdowns its values can be asked by.
    var breakdowns: [Indicator.Breakdown] {
        switch self {
        case .tallies(let formula): formula.breakdowns
        case .programmes: []
        case .change(let base): Self.all[base]?.breakdowns ?? []
        }
    }
}
