import ContractValues
import Foundation
import Postgres

/// A legal regime of drug-addiction treatment and after-care, as data: its name, legal basis and
/// the day it comes into force, and every duration and rule the services apply under it. A regime
/// is in force from `effectiveFrom` until the next regime's `effectiveFrom`; an episode is judged
/// by the regime in force on its start date (`RegimeBook`).
public struct Regime: Codable, Sendable, Equatable {
    /// A short stable name (`law-73-2021`), used in answers and refusals.
    public let name: String
    /// How people cite it (`Law 73/2021/QH14 with Decree 116/2021`).
    public let title: String
    public let effectiveFrom: CalendarDate
    /// How long things last: management, treatment terms, after-care, electronic monitoring.
    public let durations: [DurationRule]
    /// How much a treatment term may be cut, and after which share of it.
    public let termReductions: [TermReductionRule]
    /// The treatment stages an episode must complete, by form.
    public let stages: [StageRule]
    /// The working days a person determined addicted has to register for treatment.
    public let registrationDeadline: CountRule
    /// How many of the six criteria make a determination positive.
    public let addictionCriteria: CountRule
    /// Who decides each kind of decision.
    public let deciders: [DeciderRule]
    /// What a relapse during after-care does to it; nil in a regime added before this rule existed
    /// (after-care then ends, as under Law 73/2021).
    public let relapse: RelapseRule?

    public init(
        name: String, title: String, effectiveFrom: CalendarDate, durations: [DurationRule], termReductions: [TermReductionRule],
        stages: [StageRule], registrationDeadline: CountRule, addictionCriteria: CountRule, deciders: [DeciderRule],
        relapse: RelapseRule? = nil
    ) {
        self.name = name
        self.title = title
        self.effectiveFrom = effectiveFrom
        self.durations = durations
        self.termReductions = termReductions
        self.stages = stages
        self.registrationDeadline = registrationDeadline
        self.addictionCriteria = addictionCriteria
        self.deciders = deciders
        self.relapse = relapse
    }

    /// How many of the five stages an episode of `form` must complete (0 when the regime asks
    /// none, as for substitution therapy), with the rule.
    public func requiredStages(_ form: TreatmentForm) -> Ruling<Int> {
        guard let rule = stages.first(where: { $0.form == form }) else {
            return Ruling(value: 0, regime: name, rule: "\(name) sets no stages for \(form.rawValue)", provenance: .enacted)
        }
        return Ruling(value: rule.required, regime: name, rule: rule.rule, provenance: rule.provenance)
    }

    /// The term reduction the regime allows for `form`, if any.
    public func termReduction(_ form: TreatmentForm) -> TermReductionRule? { termReductions.first { $0.form == form } }

    /// The duration of `measure` for a person of `age` in `form` (nil: not about a form) whose
    /// treatment this is (`occurrence`), with the rule it comes from; nil when the regime sets
    /// none. The most specific matching rule wins (a form over any form, an age range over any
    /// age, first or repeat over either).
    public func duration(
        _ measure: DurationRule.Measure, form: TreatmentForm? = nil, age: Int? = nil, occurrence: Occurrence? = nil
    )
        -> Ruling<ClosedRange<Int>>?
    {
        let matching = durations.filter { rule in
            rule.measure == measure && (rule.form == nil || rule.form == form) && (rule.occurrence == nil || rule.occurrence == occurrence)
                && (rule.ages.map { ages in age.map(ages.contains) ?? false } ?? true)
        }
        let best = matching.max { specificity($0) < specificity($1) }
        return best.map { Ruling(value: $0.minimumMonths...$0.maximumMonths, regime: name, rule: $0.rule, provenance: $0.provenance) }
    }

    private func specificity(_ rule: DurationRule) -> Int {
        (rule.form == nil ? 0 : 4) + (rule.ages == nil ? 0 : 2) + (rule.occurrence == nil ? 0 : 1)
    }

    /// The problems that make this regime unusable (empty when none): ranges upside down, rules
    /// that say the same thing twice, counts out of bounds.
    public var problems: [(field: String, detail: String)] {
        var problems: [(String, String)] = []
        if name.isEmpty || !name.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }) {
            problems.append(("/name", "must be lower-case letters, digits and hyphens"))
        }
        for (index, rule) in durations.enumerated() {
            if !(0...240).contains(rule.minimumMonths) || rule.minimumMonths > rule.maximumMonths || rule.maximumMonths > 240 {
                problems.append(("/durations/\(index)", "must have 0 <= minimumMonths <= maximumMonths <= 240"))
            }
            if let ages = rule.ages, ages.from >= ages.below {
                problems.append(("/durations/\(index)/ages", "must have from < below"))
            }
            let twin = durations[..<index].contains {
                $0.measure == rule.measure && $0.form == rule.form && $0.ages == rule.ages && $0.occurrence == rule.occurrence
            }
            if twin { problems.append(("/durations/\(index)", "repeats an earlier rule for the same measure, form, ages and occurrence")) }
        }
        if !durations.contains(where: { $0.measure == .management }) {
            problems.append(("/durations", "must include the management period (measure management)"))
        }
        for (index, rule) in termReductions.enumerated()
        where rule.minimumMonths < 0 || rule.minimumMonths > rule.maximumMonths
            || !(0.0...1.0).contains(rule.afterShare)
        {
            problems.append(("/termReductions/\(index)", "must have 0 <= minimumMonths <= maximumMonths and 0 <= afterShare <= 1"))
        }
        for (index, rule) in stages.enumerated() where !(1...TreatmentStage.allCases.count).contains(rule.required) {
            problems.append(("/stages/\(index)/required", "must be from 1 to \(TreatmentStage.allCases.count)"))
        }
        if !(1...30).contains(registrationDeadline.value) { problems.append(("/registrationDeadline/value", "must be from 1 to 30")) }
        if !(1...6).contains(addictionCriteria.value) { problems.append(("/addictionCriteria/value", "must be from 1 to 6")) }
        return problems
    }
}

/// Whether a figure was checked against the enacted text, reported (in the press, a draft) and not
/// yet checked, or carried over from the previous regime because the new one is not known to
/// change it. Every answer shows it.
public enum Provenance: String, Codable, Sendable, CaseIterable {
    case enacted
    case reported
    case carriedOver = "carried_over"
}

/// Whether a treatment is the person's first or a repeat (Law 120/2025 sets terms by it).
public enum Occurrence: String, Codable, Sendable, CaseIterable {
    case first
    case `repeat`
}

/// The five stages of treatment (Decree 116/2021).
public enum TreatmentStage: String, Codable, Sendable, CaseIterable {
    case intake
    case detoxification
    case counselling
    case labourTherapy = "labour_therapy"
    case reintegration
}

/// How long something lasts under a regime, for whom.
public struct DurationRule: Codable, Sendable, Equatable {
    public enum Measure: String, Codable, Sendable, CaseIterable {
        /// Management of a person using drugs illegally.
        case management
        /// A treatment term.
        case treatment
        /// After-care following a treatment.
        case aftercare
        /// Electronic monitoring ordered by the commune police (Law 120/2025).
        case monitoring
    }

    public let measure: Measure
    /// The treatment form it applies to (nil: any).
    public let form: TreatmentForm?
    /// The ages it applies to (nil: any).
    public let ages: AgeRange?
    /// First treatment or repeat (nil: either).
    public let occurrence: Occurrence?
    public let minimumMonths: Int
    public let maximumMonths: Int
    /// The legal basis, as cited.
    public let rule: String
    public let provenance: Provenance

    public init(
        _ measure: Measure, form: TreatmentForm? = nil, ages: AgeRange? = nil, occurrence: Occurrence? = nil, months: ClosedRange<Int>,
        rule: String, provenance: Provenance
    ) {
        self.measure = measure
        self.form = form
        self.ages = ages
        self.occurrence = occurrence
        self.minimumMonths = months.lowerBound
        self.maximumMonths = months.upperBound
        self.rule = rule
        self.provenance = provenance
    }
}

/// Ages from `from` to below `below` (12 to under 18: a minor in compulsory treatment).
public struct AgeRange: Codable, Sendable, Equatable {
    public let from: Int
    public let below: Int

    public init(from: Int, below: Int) {
        self.from = from
        self.below = below
    }

    public func contains(_ age: Int) -> Bool { age >= from && age < below }
}

/// How much a treatment term of `form` may be cut, once `afterShare` of it is served.
public struct TermReductionRule: Codable, Sendable, Equatable {
    public let form: TreatmentForm
    public let minimumMonths: Int
    public let maximumMonths: Int
    public let afterShare: Double
    public let rule: String
    public let provenance: Provenance
}

/// How many of the five stages an episode of `form` must complete before it counts as completed.
public struct StageRule: Codable, Sendable, Equatable {
    public let form: TreatmentForm
    public let required: Int
    public let rule: String
    public let provenance: Provenance
}

/// What a relapse during after-care does to it.
public struct RelapseRule: Codable, Sendable, Equatable {
    public enum Effect: String, Codable, Sendable, CaseIterable {
        /// After-care ends; a new treatment (compulsory, the trigger says) follows.
        case end
        /// After-care is suspended and resumes after the new treatment.
        case suspend
    }

    public let aftercare: Effect
    public let rule: String
    public let provenance: Provenance

    public init(aftercare: Effect, rule: String, provenance: Provenance) {
        self.aftercare = aftercare
        self.rule = rule
        self.provenance = provenance
    }
}

/// A count the regime sets (working days, criteria), with its rule.
public struct CountRule: Codable, Sendable, Equatable {
    public let value: Int
    public let rule: String
    public let provenance: Provenance
}

/// Who takes a kind of decision.
public struct DeciderRule: Codable, Sendable, Equatable {
    public enum Decision: String, Codable, Sendable, CaseIterable {
        case management
        case voluntaryTreatment = "voluntary_treatment"
        case compulsoryTreatment = "compulsory_treatment"
        case monitoring
    }

    public enum Decider: String, Codable, Sendable, CaseIterable {
        case communeChairman = "commune_chairman"
        case communePoliceChief = "commune_police_chief"
        case court
    }

    public let decision: Decision
    public let decider: Decider
    public let rule: String
    public let provenance: Provenance
}

/// A value a regime sets, with where it comes from: what the services apply, and what they tell
/// people when they refuse something.
public struct Ruling<Value: Sendable & Equatable>: Sendable, Equatable {
    public let value: Value
    /// The regime's name.
    public let regime: String
    /// The legal basis.
    public let rule: String
    public let provenance: Provenance
}
