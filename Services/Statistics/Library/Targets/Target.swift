import Foundation
import Hummingbird
import Postgres

/// A plan target: the lowest and/or highest value of an indicator for a unit and a year, and how a
/// value stands against it.
///
/// Status, for a period within the target's year: `met` when the year is over and the value lies
/// within the bounds; while the year runs, `on_track` when a share or a stock lies within them, or
/// a flow count has reached its minimum pro rata (the minimum times the share of the year elapsed
/// at the period's end) and not passed its maximum; `behind` otherwise (a maximum passed is behind
/// whatever the date).
struct Target: ResponseCodable, Sendable, Equatable {
    let indicator: String
    let areaCode: String
    let year: Int
    let minimum: Double?
    let maximum: Double?
    let note: String?

    enum Status: String, Codable, Sendable {
        case met
        case onTrack = "on_track"
        case behind
    }

    /// How `value` at `end` stands (a flow's minimum counted pro rata while the year runs).
    func status(of value: Double, at end: CalendarDate, flowCount: Bool, today: CalendarDate) -> Status {
        if let maximum, value > maximum { return .behind }
        let yearOver = today > CalendarDate(year: year, month: 12, day: 31)!
        guard let minimum else { return yearOver ? .met : .onTrack }
        if yearOver { return value >= minimum ? .met : .behind }
        let first = CalendarDate(year: year, month: 1, day: 1)!
        let elapsed = flowCount ? Double(end.daysSinceEpoch - first.daysSinceEpoch + 1) / Double(isLeap ? 366 : 365) : 1
        return value >= minimum * min(1, elapsed) ? .onTrack : .behind
    }

    /// How far `value` lies outside the bounds (negative below the minimum, positive above the
    /// maximum, 0 within).
    func gap(of value: Double) -> Double {
        if let minimum, value < minimum { return ((value - minimum) * 10).rounded() / 10 }
        if let maximum, value > maximum { return ((value - maximum) * 10).rounded() / 10 }
        return 0
    }

    private var isLeap: Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }
}
