import ContractValues
import Postgres
import Rules
import ServiceKit
import Testing

@Suite("Rules: state machines and legal durations")
struct RulesTests {
    enum Light: String, Sendable, CaseIterable {
        case red, green, amber
    }

    static let lights = StateMachine<Light>(
        "light",
        [
            .init("go", from: [.red], to: [.green], rule: "Green follows red."),
            .init("slow", from: [.green], to: [.amber], rule: "Amber follows green."),
            .init("stop", from: [.amber, .green], to: [.red], rule: "Red follows amber or green."),
        ])

    @Test func allowedChangesPassAndRefusedOnesNameTheRule() throws {
        try Self.lights.check("go", from: .red, to: .green)
        try Self.lights.check("stop", from: .green, to: .red)
        let wrongState = #expect(throws: StateMachine<Light>.Refusal.self) { try Self.lights.check("go", from: .amber, to: .green) }
        #expect(wrongState == .init(record: "light", action: "go", state: "amber", allowedFrom: ["red"], rule: "Green follows red."))
        #expect(wrongState?.description == "The light is amber; go needs it to be red. Green follows red.")
        let wrongTarget = #expect(throws: StateMachine<Light>.Refusal.self) { try Self.lights.check("slow", from: .green, to: .red) }
        #expect(wrongTarget?.rule == "Amber follows green.")
        let unknown = #expect(throws: StateMachine<Light>.Refusal.self) { try Self.lights.check("blink", from: .red, to: .red) }
        #expect(unknown?.allowedFrom == [] && unknown?.description.contains("not a change a light knows") == true)
        #expect(Self.lights.next(from: .green) == [.amber, .red])
        #expect(Self.lights.next(from: .red) == [.green])
    }

    @Test func aRefusalBecomesA409ProblemWithItsRule() throws {
        let refusal = StateMachine<Light>.Refusal(record: "light", action: "go", state: "amber", allowedFrom: ["red"], rule: "Green follows red.")
        let problem = ProblemDetails(refusal)
        #expect(problem.statusCode == 409)
        #expect(problem.type.hasSuffix("light-status"))
        #expect(problem.rule == "Green follows red.")
    }

    @Test func theManagementPeriodIsAYearUnderEitherLawAndSaysWhichRule() {
        let before = ManagementPeriod.drugUser(decidedOn: CalendarDate("2026-06-30")!)
        let after = ManagementPeriod.drugUser(decidedOn: CalendarDate("2026-07-01")!)
        #expect(before.rule.hasPrefix("Law 73/2021/QH14") && after.rule.hasPrefix("Law 120/2025/QH15"))
        #expect(before.end(from: CalendarDate("2026-06-30")!) == CalendarDate("2027-06-30")!)
        // A leap day's year ends on the last day of February.
        let leap = CalendarDate("2024-02-29")!
        #expect(ManagementPeriod.drugUser(decidedOn: leap).end(from: leap) == CalendarDate("2025-02-28")!)
    }

    @Test func theRegimeInForceOnADayJudgesItAndTheMostSpecificRuleAnswers() throws {
        let book = RegimeBook(StandardRegimes.all.reversed())
        #expect(book.regimes.map(\.name) == ["law-73-2021", "law-120-2025"])
        #expect(book.inForce(on: CalendarDate("2021-12-31")!) == nil)
        #expect(book.inForce(on: CalendarDate("2026-06-30")!)?.name == "law-73-2021")
        #expect(book.inForce(on: CalendarDate("2026-07-01")!)?.name == "law-120-2025")
        #expect(book.lastDay(of: StandardRegimes.law73) == CalendarDate("2026-06-30") && book.lastDay(of: StandardRegimes.law120) == nil)
        let law73 = StandardRegimes.law73
        #expect(law73.duration(.treatment, form: .compulsory, age: 17)?.value == 6...12)
        #expect(law73.duration(.treatment, form: .compulsory, age: 18)?.value == 12...24)
        // Without an age the age-bound rules do not apply: nothing is guessed.
        #expect(law73.duration(.treatment, form: .compulsory) == nil)
        #expect(law73.duration(.aftercare, form: .voluntaryFacility)?.value == 12...12)
        let repeatTerm = try #require(StandardRegimes.law120.duration(.treatment, form: .compulsory, age: 30, occurrence: .repeat))
        #expect(repeatTerm.value == 36...36 && repeatTerm.provenance == .reported && repeatTerm.regime == "law-120-2025")
        #expect(StandardRegimes.law120.duration(.aftercare, form: .compulsory, age: 30)?.provenance == .carriedOver)
        #expect(StandardRegimes.all.allSatisfy { $0.problems.isEmpty })
    }

    /// Every treatment duration of both shipped regimes at its limits: the last allowed day and
    /// the days just outside, for an episode starting on the last day of Law 73/2021
    /// (2026-06-30) and on the first of Law 120/2025 (2026-07-01), by form, age and occurrence.
    @Test(arguments: ["2026-06-30", "2026-07-01"])
    func everyTreatmentTermIsJudgedAtItsLimits(_ day: String) throws {
        let start = try #require(CalendarDate(day))
        let book = RegimeBook(StandardRegimes.all)
        let regime = try #require(book.inForce(on: start))
        #expect(regime.name == (day == "2026-06-30" ? "law-73-2021" : "law-120-2025"))
        var judged = 0
        for form in TreatmentForm.allCases {
            for age in [12, 17, 18, 40] {
                for occurrence in Occurrence.allCases {
                    guard let ruling = regime.duration(.treatment, form: form, age: age, occurrence: occurrence) else {
                        // Only substitution therapy has no term.
                        #expect(form == .methadone, "\(form) \(age) \(occurrence)")
                        continue
                    }
                    let shortest = TreatmentTerm.lastDay(from: start, months: ruling.value.lowerBound)
                    let longest = TreatmentTerm.lastDay(from: start, months: ruling.value.upperBound)
                    func problem(_ end: CalendarDate) -> String? {
                        TreatmentTerm(start: start, plannedEnd: end).judge(by: regime, form: form, age: age, occurrence: occurrence).problem
                    }
                    #expect(problem(shortest) == nil && problem(longest) == nil, "\(form) \(age) \(occurrence)")
                    let tooShort = try #require(problem(shortest.adding(days: -1)), "\(form) \(age) \(occurrence)")
                    let tooLong = try #require(problem(longest.adding(days: 1)), "\(form) \(age) \(occurrence)")
                    for refusal in [tooShort, tooLong] {
                        #expect(refusal.contains(regime.name) && refusal.contains(ruling.rule), "\(refusal)")
                        #expect(refusal.contains(ruling.provenance.rawValue), "\(refusal)")
                    }
                    judged += 1
                }
            }
        }
        #expect(judged == 4 * 4 * 2)
        // The figures themselves: Law 73/2021 by form and age, Law 120/2025 by occurrence.
        let compulsoryMinor = regime.duration(.treatment, form: .compulsory, age: 15, occurrence: .first)?.value
        let community = regime.duration(.treatment, form: .voluntaryCommunity, age: 30, occurrence: .repeat)?.value
        if regime.name == "law-73-2021" {
            #expect(compulsoryMinor == 6...12 && community == 6...12)
            #expect(regime.duration(.treatment, form: .compulsory, age: 30, occurrence: .first)?.value == 12...24)
        } else {
            #expect(compulsoryMinor == 24...24 && community == 36...36)
        }
        // A term without an end is refused where the regime sets one, accepted for substitution therapy.
        #expect(TreatmentTerm(start: start, plannedEnd: nil).judge(by: regime, form: .compulsory, age: 30, occurrence: .first).problem != nil)
        #expect(TreatmentTerm(start: start, plannedEnd: nil).judge(by: regime, form: .methadone, age: 30, occurrence: .first).problem == nil)
    }

    @Test func ageCountsWholeYearsFromTheBirthDateOrYear() throws {
        let day = try #require(CalendarDate("2026-03-10"))
        #expect(TreatmentTerm.age(on: day, birthDate: CalendarDate("2008-03-10"), birthYear: nil) == 18)
        #expect(TreatmentTerm.age(on: day, birthDate: CalendarDate("2008-03-11"), birthYear: nil) == 17)
        #expect(TreatmentTerm.age(on: day, birthDate: nil, birthYear: 2008) == 18)
        #expect(TreatmentTerm.age(on: day, birthDate: nil, birthYear: nil) == nil)
    }

    @Test func workingDaysSkipWeekendsAndHolidaysAndCountSwappedSaturdays() {
        let plain = WorkingCalendar(exceptions: [:])
        #expect(!plain.isWorkingDay(CalendarDate("2026-12-05")!) && plain.isWorkingDay(CalendarDate("2026-12-07")!))
        #expect(plain.adding(workingDays: 5, after: CalendarDate("2025-04-25")!) == CalendarDate("2025-05-02"))
        // 2025: Saturday 26 April worked for Friday 2 May; 30 April and 1 May off.
        let swapped = WorkingCalendar(exceptions: [
            CalendarDate("2025-04-26")!: true, CalendarDate("2025-04-30")!: false, CalendarDate("2025-05-01")!: false,
            CalendarDate("2025-05-02")!: false,
        ])
        #expect(swapped.adding(workingDays: 5, after: CalendarDate("2025-04-25")!) == CalendarDate("2025-05-06"))
        #expect(swapped.adding(workingDays: 0, after: CalendarDate("2025-04-25")!) == CalendarDate("2025-04-25"))
    }
}
