/// What the live aggregates count, each from one counting table, by the area where it happened.
/// Stocks are intervals (a person's status, an episode, an after-care): counted on a day from the
/// day they begin to the day before they end. Flows are events on a day.
enum Measure: String, CaseIterable, Sendable {
    /// Statuses drug_user, addicted, in_treatment and in_aftercare, by residence.
    case underManagement = "under_management"
    /// Statuses addicted, in_treatment and in_aftercare (addiction on record), by residence.
    case onRecord = "on_record"
    /// Statuses in_treatment and in_aftercare, by residence.
    case treatedOnRecord = "treated_on_record"
    /// Episodes from their start to their end, by form and by place (community, or the kind of
    /// facility they began at), where they were opened.
    case inTreatment = "in_treatment"
    /// After-care from its start to its end (or its planned end while open).
    case inAftercare = "in_aftercare"
    /// Determinations on their day, by result (positive or negative).
    case determinations
    /// Episodes begun on their first day, by form.
    case admissions
    /// Compulsory episodes begun on their first day.
    case compulsoryAdmissions = "compulsory_admissions"
    /// Facility episodes (voluntary_facility, compulsory, social_protection_centre) completed on their last day, by form.
    case facilityCompletions = "facility_completions"
    /// Of those, the ones whose after-care began the next day.
    case coveredCompletions = "covered_completions"
    /// Relapses on the day detected.
    case relapses
    /// Loans disbursed, with their amount in đồng.
    case loans
    /// Reintegration cases needing vocational training or a job, from their opening to their close.
    case casesNeedingWork = "cases_needing_work"
    /// Cases needing vocational training.
    case casesNeedingTraining = "cases_needing_training"
    /// Cases needing a job.
    case casesNeedingJob = "cases_needing_job"
    /// Cases needing training or a job, from their first counselling to their close.
    case counselledCases = "counselled_cases"
    /// Cases needing training, from the first enrolment in a course (a vocational_training referral) to their close.
    case trainedCases = "trained_cases"
    /// Cases needing a job, from the first job referral sent to their close.
    case jobReferredCases = "job_referred_cases"

    /// The breakdowns every measure has, by the person's attributes: kept for provinces and the
    /// country only (a commune's would single people out), by the month.
    static let commonDimensions = ["sex", "age_band", "ethnicity", "substance"]
    /// The measures counted where a person's residence places them: only they can be mapped from
    /// a residence recorded under the list before 2025 (`mappedDimension`).
    static let byResidence = Set(Contributions.statusMeasures.map(\.0))
    /// The dimension and value that count again what a residence recorded under the list before
    /// 2025 placed in its 2025 commune, kept by the day in every area.
    static let mappedDimension = (dimension: "generation", value: "legacy")

    /// The breakdowns some measures have of their own, kept by the day in every area.
    var ownDimensions: [String] {
        switch self {
        case .inTreatment: ["treatment_form", "place"]
        case .admissions, .facilityCompletions, .coveredCompletions: ["treatment_form"]
        case .determinations: ["result"]
        default: []
        }
    }
}
