import Access
import Foundation
import Postgres
import ServiceKit

/// What a province page shows, read through `IndicatorReader`: the same figures, targets and
/// statuses as the API, and each read on the audit trail like any export.
struct DashboardFigures: Sendable {
    let province: String
    let year: Int
    /// Each computed indicator's yearly rows for the province, the five years to `year`.
    let yearly: [IndicatorValues]
    /// The chosen indicator in `year` by commune (by former district for one counted so).
    let byCommune: IndicatorValues?

    /// How many years the trend shows.
    static let trendYears = 5

    /// Reads the page's figures for `staff` (who must be allowed the province: 403 otherwise).
    static func load(
        province: String, year: Int, indicator: Indicator, staff: StaffIdentity, reader: IndicatorReader, context: AppRequestContext
    ) async throws -> DashboardFigures {
        let today = CalendarDate.today()
        let end = min(CalendarDate(year: year, month: 12, day: 31)!, today)
        let first = CalendarDate(year: year - trendYears + 1, month: 1, day: 1)!
        let identity = Identity.staff(staff)
        let yearly = try await reader.read(
            IndicatorCatalogue.all.filter(\.computed),
            query: IndicatorQuery(from: first, to: end, period: "year", requestedArea: province, groupBy: nil), rows: .whole,
            identity: identity, context: context, resourceID: "dashboard")
        let communes = try await reader.read(
            [indicator],
            query: IndicatorQuery(
                from: CalendarDate(year: year, month: 1, day: 1)!, to: end, period: "year", requestedArea: province, groupBy: "commune"),
            rows: .grouped, identity: identity, context: context, resourceID: "dashboard")
        return DashboardFigures(province: province, year: year, yearly: yearly.values, byCommune: communes.values.first)
    }

    /// The province's row of `indicator` for `year`, if it has one.
    func provinceRow(_ indicator: String, year: Int? = nil) -> IndicatorValues.Row? {
        yearly.first { $0.indicator == indicator }?.items.last { $0.periodEnd.year == (year ?? self.year) && $0.breakdown == nil }
    }
}
