import Foundation
import Hummingbird
import Postgres
import Rules
import ServiceKit

/// A determination of addiction as recorded, with its result and, when positive, the deadline it
/// starts for registering for treatment.
struct Determination: ResponseCodable, Sendable {
    let id: UUID
    let personId: UUID
    let determinedOn: CalendarDate
    let doctor: String
    let healthFacility: String
    /// The criteria met (`AddictionCriterion` raw values).
    let criteria: [String]
    let positive: Bool
    /// The regime in force on `determinedOn` (its name).
    let regime: String
    /// Set for a positive result: the working days to register for treatment, counted from the
    /// day after `determinedOn`, and the last of them.
    let registrationDeadline: Deadline?
    let recordedAt: Date

    struct Deadline: Codable, Sendable {
        let workingDays: Int
        let from: CalendarDate
        /// The last day to register: `workingDays` working days after `from` (weekends, public
        /// holidays and swapped days counted as the calendar says).
        let dueOn: CalendarDate
        let rule: String
        let provenance: Provenance
    }

    /// The deadline a positive determination on `day` starts under `regime`.
    static func deadline(positive: Bool, on day: CalendarDate, regime: Regime, calendar: WorkingCalendar) -> Deadline? {
        guard positive else { return nil }
        let rule = regime.registrationDeadline
        return Deadline(
            workingDays: rule.value, from: day, dueOn: calendar.adding(workingDays: rule.value, after: day), rule: rule.rule,
            provenance: rule.provenance)
    }
}
