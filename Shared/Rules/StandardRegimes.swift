import ContractValues
import Postgres

/// The regimes the system ships with (an administrator adds later ones through the treatment
/// service's API). Figures not checked against an enacted text say so (`reported`), and those the
/// new law is not known to change are `carriedOver` from the previous regime.
public enum StandardRegimes {
    public static let all = [law73, law120]

    /// Law 73/2021/QH14 on drug prevention and control with Decree 116/2021/ND-CP and Circular
    /// 18/2021/TT-BYT, in force from 2022-01-01 (to 2026-06-30).
    public static let law73 = Regime(
        name: "law-73-2021", title: "Law 73/2021/QH14 with Decree 116/2021/ND-CP",
        effectiveFrom: CalendarDate(year: 2022, month: 1, day: 1)!,
        durations: [
            DurationRule(
                .management, months: 12...12, rule: "Law 73/2021/QH14, Art. 23: one year from the commune chairman's decision",
                provenance: .enacted),
            DurationRule(
                .treatment, form: .voluntaryCommunity, months: 6...12, rule: "Decree 116/2021, Art. 20: 6 to 12 months at family or community",
                provenance: .enacted),
            DurationRule(
                .treatment, form: .voluntaryFacility, months: 6...12, rule: "Decree 116/2021, Art. 31: 6 to 12 months at a facility",
                provenance: .enacted),
            DurationRule(
                .treatment, form: .socialProtectionCentre, months: 6...12,
                rule: "Decree 116/2021, Art. 31: 6 to 12 months at a facility (a social protection centre is one)", provenance: .enacted),
            DurationRule(
                .treatment, form: .compulsory, ages: AgeRange(from: 18, below: 200), months: 12...24,
                rule: "Law 73/2021/QH14, Art. 33: 12 to 24 months for adults, by court decision", provenance: .enacted),
            DurationRule(
                .treatment, form: .compulsory, ages: AgeRange(from: 12, below: 18), months: 6...12,
                rule: "Law 73/2021/QH14, Art. 34: 6 to 12 months for minors 12 to under 18", provenance: .enacted),
            DurationRule(
                .aftercare, months: 12...12, rule: "Law 73/2021/QH14, Art. 40: one year after voluntary or substitution treatment",
                provenance: .enacted),
            DurationRule(
                .aftercare, form: .compulsory, ages: AgeRange(from: 18, below: 200), months: 24...24,
                rule: "Law 73/2021/QH14, Art. 40: two years after an adult's compulsory treatment", provenance: .enacted),
            DurationRule(
                .aftercare, form: .compulsory, ages: AgeRange(from: 12, below: 18), months: 12...12,
                rule: "Law 73/2021/QH14, Art. 40: one year after a minor's compulsory treatment", provenance: .enacted),
        ],
        termReductions: [
            TermReductionRule(
                form: .compulsory, minimumMonths: 3, maximumMonths: 6, afterShare: 0.5,
                rule: "Law 73/2021/QH14, Art. 35: 3 to 6 months off once half the term is served", provenance: .enacted)
        ],
        stages: [
            StageRule(form: .compulsory, required: 5, rule: "Decree 116/2021, Art. 4: all five stages", provenance: .enacted),
            StageRule(form: .voluntaryFacility, required: 3, rule: "Decree 116/2021, Art. 4: at least the first three stages", provenance: .enacted),
            StageRule(form: .voluntaryCommunity, required: 3, rule: "Decree 116/2021, Art. 4: at least the first three stages", provenance: .enacted),
            StageRule(
                form: .socialProtectionCentre, required: 3, rule: "Decree 116/2021, Art. 4: at least the first three stages", provenance: .enacted),
        ],
        registrationDeadline: CountRule(
            value: 5, rule: "Law 73/2021/QH14, Art. 32: register within 5 working days of a positive determination", provenance: .enacted),
        addictionCriteria: CountRule(value: 3, rule: "Circular 18/2021/TT-BYT: at least 3 of the 6 criteria", provenance: .enacted),
        deciders: [
            DeciderRule(
                decision: .management, decider: .communeChairman, rule: "Law 73/2021/QH14, Art. 23", provenance: .enacted),
            DeciderRule(
                decision: .voluntaryTreatment, decider: .communeChairman, rule: "Decree 116/2021, Art. 17", provenance: .enacted),
            DeciderRule(decision: .compulsoryTreatment, decider: .court, rule: "Law 73/2021/QH14, Art. 33", provenance: .enacted),
        ],
        relapse: RelapseRule(
            aftercare: .end,
            rule: "Law 73/2021/QH14, Art. 32: relapse during after-care ends it and is a ground for compulsory treatment", provenance: .enacted))

    /// Law 120/2025/QH15, in force from 2026-07-01. Its figures come from the press (`reported`);
    /// what it is not known to change is carried over from Law 73/2021.
    public static let law120 = Regime(
        name: "law-120-2025", title: "Law 120/2025/QH15 on drug prevention and control",
        effectiveFrom: CalendarDate(year: 2026, month: 7, day: 1)!,
        durations: [
            DurationRule(
                .management, months: 12...12, rule: "Law 120/2025/QH15: one year from the management decision", provenance: .reported)
        ]
            // Every form but substitution therapy, as the draft had it.
            + [TreatmentForm.voluntaryCommunity, .voluntaryFacility, .socialProtectionCentre, .compulsory].flatMap { form in
                [
                    DurationRule(
                        .treatment, form: form, occurrence: .first, months: 24...24,
                        rule: "Law 120/2025/QH15: 24 months for a first treatment (fixed term or maximum unconfirmed)", provenance: .reported),
                    DurationRule(
                        .treatment, form: form, occurrence: .repeat, months: 36...36,
                        rule: "Law 120/2025/QH15: 36 months from the second treatment (fixed term or maximum unconfirmed)",
                        provenance: .reported),
                ]
            }
            // After-care as before: the new law's figures are not known.
            + law73.durations.filter { $0.measure == .aftercare }.map { $0.carriedOver() } + [
                DurationRule(
                    .monitoring, months: 12...24, rule: "Law 120/2025/QH15 and its draft decree: electronic monitoring for 1 to 2 years",
                    provenance: .reported)
            ],
        termReductions: law73.termReductions.map { $0.carriedOver() },
        stages: law73.stages.map { $0.carriedOver() },
        registrationDeadline: law73.registrationDeadline.carriedOver(),
        addictionCriteria: law73.addictionCriteria.carriedOver(),
        deciders: [
            DeciderRule(
                decision: .management, decider: .communePoliceChief, rule: "Law 120/2025/QH15: the commune police", provenance: .reported),
            DeciderRule(
                decision: .voluntaryTreatment, decider: .communePoliceChief, rule: "Law 120/2025/QH15: the commune police",
                provenance: .reported),
        ] + law73.deciders.filter { $0.decision == .compulsoryTreatment }.map { $0.carriedOver() } + [
            DeciderRule(
                decision: .monitoring, decider: .communePoliceChief, rule: "Law 120/2025/QH15: the commune police chief", provenance: .reported)
        ],
        relapse: law73.relapse?.carriedOver())
}

/// A rule of the previous regime that a new one keeps, because the new law is not known to change
/// it: the same figure, its basis cited as carried over.
protocol CarriedOver {
    func carriedOver() -> Self
}

extension DurationRule: CarriedOver {
    func carriedOver() -> DurationRule {
        DurationRule(
            measure, form: form, ages: ages, occurrence: occurrence, months: minimumMonths...maximumMonths, rule: rule + " (carried over)",
            provenance: .carriedOver)
    }
}

extension TermReductionRule: CarriedOver {
    func carriedOver() -> TermReductionRule {
        TermReductionRule(
            form: form, minimumMonths: minimumMonths, maximumMonths: maximumMonths, afterShare: afterShare, rule: rule + " (carried over)",
            provenance: .carriedOver)
    }
}

extension StageRule: CarriedOver {
    func carriedOver() -> StageRule { StageRule(form: form, required: required, rule: rule + " (carried over)", provenance: .carriedOver) }
}

extension RelapseRule: CarriedOver {
    func carriedOver() -> RelapseRule { RelapseRule(aftercare: aftercare, rule: rule + " (carried over)", provenance: .carriedOver) }
}

extension CountRule: CarriedOver {
    func carriedOver() -> CountRule { CountRule(value: value, rule: rule + " (carried over)", provenance: .carriedOver) }
}

extension DeciderRule: CarriedOver {
    func carriedOver() -> DeciderRule {
        DeciderRule(decision: decision, decider: decider, rule: rule + " (carried over)", provenance: .carriedOver)
    }
}
