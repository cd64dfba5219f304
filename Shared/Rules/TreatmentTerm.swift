import ContractValues
import Postgres

/// A treatment term judged by the regime in force on its start date: the planned first and last
/// day against the minimum and maximum the regime sets for the form, the person's age and whether
/// this is their first treatment. A term of N months starting on S ends on the day before S + N
/// months (6 months from 2026-01-10 end on 2026-07-09).
public struct TreatmentTerm: Sendable, Equatable {
    public let start: CalendarDate
    /// The last planned day; nil for a form the regime sets no term for (substitution therapy).
    public let plannedEnd: CalendarDate?

    public init(start: CalendarDate, plannedEnd: CalendarDate?) {
        self.start = start
        self.plannedEnd = plannedEnd
    }

    /// The last day of a term of `months` months from `start`.
    public static func lastDay(from start: CalendarDate, months: Int) -> CalendarDate { start.adding(months: months).adding(days: -1) }

    /// Why `regime` refuses this term of `measure` (a treatment by default) for `form` (a person
    /// of `age`, `occurrence`), naming the regime and the rule; nil when it allows it, or sets no
    /// such duration. Returns the ruling it applied in either case.
    public func judge(
        by regime: Regime, form: TreatmentForm?, age: Int?, occurrence: Occurrence?, measure: DurationRule.Measure = .treatment
    ) -> (ruling: Ruling<ClosedRange<Int>>?, problem: String?) {
        guard let ruling = regime.duration(measure, form: form, age: age, occurrence: occurrence) else {
            return (nil, nil)
        }
        let citation = "\(ruling.rule) (regime \(regime.name), \(ruling.provenance.rawValue))"
        guard let plannedEnd else {
            return (
                ruling, "is required: the regime sets a term of \(Self.describe(ruling.value)) for \(form?.rawValue ?? measure.rawValue). \(citation)"
            )
        }
        let earliest = Self.lastDay(from: start, months: ruling.value.lowerBound)
        let latest = Self.lastDay(from: start, months: ruling.value.upperBound)
        if plannedEnd < earliest {
            return (
                ruling,
                "makes a term shorter than \(ruling.value.lowerBound) months (it must be on or after \(earliest)). \(citation)"
            )
        }
        if latest < plannedEnd {
            return (
                ruling,
                "makes a term longer than \(ruling.value.upperBound) months (it must be on or before \(latest)). \(citation)"
            )
        }
        return (ruling, nil)
    }

    static func describe(_ months: ClosedRange<Int>) -> String {
        months.lowerBound == months.upperBound ? "\(months.lowerBound) months" : "\(months.lowerBound) to \(months.upperBound) months"
    }

    /// A person's age in whole years on `day`, from the birth date when known, otherwise from the
    /// birth year (the age reached during `day`'s year).
    public static func age(on day: CalendarDate, birthDate: CalendarDate?, birthYear: Int?) -> Int? {
        if let birthDate {
            let birthdayPassed = (day.month, day.day) >= (birthDate.month, birthDate.day)
            return day.year - birthDate.year - (birthdayPassed ? 0 : 1)
        }
        return birthYear.map { day.year - $0 }
    }
}
