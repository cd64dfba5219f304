import Foundation
import Postgres
import Rules

/// The days that are not what their weekday says (`treatment.calendar_days`).
struct CalendarStore {
    let connection: PostgresConnection

    /// One day off or one weekend day worked, as listed.
    struct Day: Codable, Sendable {
        let day: CalendarDate
        let working: Bool
        let name: String
    }

    /// The working calendar, from every exception recorded.
    func calendar() async throws -> WorkingCalendar {
        var exceptions: [CalendarDate: Bool] = [:]
        for row in try await connection.query("SELECT day, working FROM treatment.calendar_days") {
            let (day, working) = try row.decode((CalendarDate, Bool).self)
            exceptions[day] = working
        }
        return WorkingCalendar(exceptions: exceptions)
    }

    /// The exceptions of `year`, in order.
    func days(of year: Int) async throws -> [Day] {
        let first = CalendarDate(year: year, month: 1, day: 1)
        let next = CalendarDate(year: year + 1, month: 1, day: 1)
        return try await connection.query(
            "SELECT day, working, name FROM treatment.calendar_days WHERE day >= \(first) AND day < \(next) ORDER BY day"
        ).map {
            let (day, working, name) = try $0.decode((CalendarDate, Bool, String).self)
            return Day(day: day, working: working, name: name)
        }
    }

    /// Records `day` as a day off (`working` false) or a weekend day worked, replacing what was there.
    func save(_ day: Day, by account: UUID) async throws {
        try await connection.query(
            """
            INSERT INTO treatment.calendar_days (day, working, name, changed_by) VALUES (\(day.day), \(day.working), \(day.name), \(account))
            ON CONFLICT (day) DO UPDATE SET working = excluded.working, name = excluded.name, changed_by = excluded.changed_by, changed_at = now()
            """)
    }
}
