import Foundation
import Hummingbird
import Postgres
import ServiceKit

/// What a request for indicator values asks: the period and its division, the area and the
/// grouping of rows, one breakdown, and the format of the answer.
struct IndicatorQuery: Sendable {
    let from: CalendarDate
    let to: CalendarDate
    /// `year`, `quarter` or `month`.
    let period: String
    let requestedArea: String?
    /// `province`, `commune` or `district` (the former districts); nil: the area's own level.
    let groupBy: String?
    let breakdown: Indicator.Breakdown?
    /// `json` or `csv`.
    let format: String

    static let months = ["year": 12, "quarter": 3, "month": 1]
    var months: Int { Self.months[period] ?? 12 }

    /// The query parameters of `/v1/indicators/values` and `/v1/indicators/{indicatorId}/values`.
    static let parameters: [QueryParameter] = [
        .date("from", "First day (default 1 January this year)"), .date("to", "Last day (default today)"),
        QueryParameter("period", values: ["year", "quarter", "month"], "Periods from `from` (default year)"),
        QueryParameter(
            "groupBy", values: ["province", "commune", "district"],
            "Rows by province, commune, or the districts before 2025-07-01 for periods ending by 2025-06-30 (default: the area's own level)"),
        QueryParameter("areaCode", .formatted(.unitCode), "A province or commune code (default: the caller's area, or the country)"),
        QueryParameter(
            "breakdown", values: Indicator.Breakdown.allCases.map(\.rawValue),
            "One breakdown of the values (those the indicator lists; default none, the totals)"),
        QueryParameter(
            "format", values: ["json", "csv"],
            "The answer's format (default json, at most 200,000 rows; csv is streamed, UTF-8 with a byte-order mark)"),
    ]

    /// Reads the query of `request` (its values already checked against `parameters`).
    init(_ request: Request) throws {
        let query = request.uri.queryParameters
        (from, to) = try ExportRoutes.period(query)
        period = query["period"].map(String.init) ?? "year"
        requestedArea = query["areaCode"].map(String.init)
        groupBy = query["groupBy"].map(String.init)
        breakdown = query["breakdown"].flatMap { Indicator.Breakdown(rawValue: String($0)) }
        format = query["format"].map(String.init) ?? "json"
    }

    /// The year's table: the whole year (to today while it runs) for one area.
    init(year: Int, requestedArea: String?, format: String, today: CalendarDate) throws {
        from = CalendarDate(year: year, month: 1, day: 1)!
        to = min(CalendarDate(year: year, month: 12, day: 31)!, today)
        guard from <= to else { throw ProblemDetails.validation([.init(pointer: "?year", detail: "must not be in the future")]) }
        period = "year"
        self.requestedArea = requestedArea
        groupBy = nil
        breakdown = nil
        self.format = format
    }

    /// A query the service builds itself (the dashboard's): totals, in JSON.
    init(from: CalendarDate, to: CalendarDate, period: String, requestedArea: String?, groupBy: String?) {
        self.from = from
        self.to = to
        self.period = period
        self.requestedArea = requestedArea
        self.groupBy = groupBy
        breakdown = nil
        format = "json"
    }

    /// The last day districts existed.
    static let lastDayOfDistricts = CalendarDate(year: 2025, month: 6, day: 30)!

    /// Whether rows of `computation` are by former district.
    func byFormerDistrict(_ computation: Computation) -> Bool { groupBy == "district" || computation.isByFormerDistrict }

    /// The parameters echoed back and audited.
    func echo(area: ExportArea, grouping: String) -> [String: String] {
        [
            "from": from.description, "to": to.description, "period": period, "areaCode": area.code ?? "national", "groupBy": grouping,
            "breakdown": breakdown?.rawValue ?? "none",
        ]
    }
}
