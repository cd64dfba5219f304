import Access
import Audit
import Foundation
import Hummingbird
import Postgres
import ServiceKit

/// The indicator catalogue and its values. Anyone signed in, and other agencies' keys, read the
/// definitions (`GET /v1/indicators`, `GET /v1/indicators/{indicatorId}`); officers and keys read
/// values by area and period within the area they are bound to
/// (`GET /v1/indicators/{indicatorId}/values`), small cells suppressed for keys, each read audited
/// as an export. No personal data.
struct IndicatorRoutes: Sendable {
    let environment: ServiceEnvironment

    struct Page: ResponseCodable {
        let items: [Indicator]
    }

    static let months = ["year": 12, "quarter": 3, "month": 1]

    /// Every computed indicator of a year for one area: one row each (a row per form for the mix).
    struct Table: ResponseCodable {
        struct Item: Codable, Sendable {
            let indicator: String
            let kind: Indicator.Kind
            var row: IndicatorValues.Row
        }

        let year: Int
        let areaCode: String
        let from: CalendarDate
        let to: CalendarDate
        let generation: String
        var items: [Item]
    }

    func add(to routes: SecuredRoutes) {
        let idParameter = PathParameter("indicatorId", values: IndicatorCatalogue.all.map(\.id), "The indicator's id")
        routes.on(.get, "/v1/indicators", .anyCaller, summary: "Every indicator, with its exact definition") { _, _, _ -> Page in
            Page(items: IndicatorCatalogue.all)
        }
        routes.on(
            .get, "/v1/indicators/{indicatorId}", .anyCaller, summary: "One indicator's definition",
            responses: [404: "No indicator with this id"], pathParameters: [idParameter]
        ) { _, context, _ -> Indicator in
            let id = context.parameters.get("indicatorId") ?? ""
            guard let indicator = IndicatorCatalogue.indicator(id) else { throw ProblemDetails.notFound("No indicator \(id).") }
            return indicator
        }
        routes.on(
            .get, "/v1/indicators/table", ExportRoutes.rule,
            summary: "Every computed indicator for a year, for the whole of the caller's area (or one unit of it), with targets",
            responses: [403: "An area outside the caller's"],
            query: [
                QueryParameter("year", .integer(2000...2100), "The year (default this year; a running year counts to today)"),
                QueryParameter("areaCode", .formatted(.unitCode), "A province or commune code (default: the caller's area, or the country)"),
            ]
        ) { request, context, identity -> Table in
            let query = request.uri.queryParameters
            let today = CalendarDate.today()
            let year = query["year"].flatMap { Int($0) } ?? today.year
            let from = CalendarDate(year: year, month: 1, day: 1)!
            let to = min(CalendarDate(year: year, month: 12, day: 31)!, today)
            guard from <= to else { throw ProblemDetails.validation([.init(pointer: "?year", detail: "must not be in the future")]) }
            let requested = query["areaCode"].map(String.init)
            var table = try await environment.database.withTransaction(isolation: .repeatableRead, readOnly: true) { connection -> Table in
                let area = try await ExportArea.resolve(requested: requested, for: identity, on: connection)
                let label = area.code ?? "national"
                var items: [Table.Item] = []
                for indicator in IndicatorCatalogue.all {
                    guard let computation = Computation.all[indicator.id] else { continue }
                    let id = indicator.id
                    var values = IndicatorValues(
                        indicator: id, kind: indicator.kind, period: "year", generation: "2025", parameters: [:],
                        items: try await IndicatorStore(connection: connection).values(
                            of: computation, from: from, to: to, months: 12, area: area, grouping: .whole(label: label)))
                    let targets = try await TargetStore(connection: connection).targets(of: id, areas: [label], years: [year])
                    values.attach(
                        targets, flowCount: indicator.period == .flow && (indicator.kind == .count || indicator.kind == .amount), today: today)
                    items += values.items.map { Table.Item(indicator: id, kind: indicator.kind, row: $0) }
                }
                return Table(year: year, areaCode: label, from: from, to: to, generation: "2025", items: items)
            }
            var suppressed = 0
            if case .agency = identity {
                for index in table.items.indices where table.items[index].row.suppressIfSmall(limit: ExportTable.smallCellLimit) {
                    suppressed += 1
                }
            }
            try await environment.audit.record(
                AuditEntry(
                    identity, context, action: "export", resource: "statistics", resourceID: "indicator-table",
                    detail: ["year": String(year), "areaCode": table.areaCode, "rows": String(table.items.count), "suppressed": String(suppressed)]))
            return table
        }

        routes.on(
            .get, "/v1/indicators/{indicatorId}/values", ExportRoutes.rule,
            summary: "An indicator's values by area and period (numerator, denominator, value)",
            responses: [404: "No indicator with this id, or its values are not computed yet", 403: "An area outside the caller's"],
            query: [
                .date("from", "First day (default 1 January this year)"), .date("to", "Last day (default today)"),
                QueryParameter("period", values: ["year", "quarter", "month"], "Periods from `from` (default year)"),
                QueryParameter("groupBy", values: ["province", "commune"], "Rows by province or commune (default: the area's own level)"),
                QueryParameter("areaCode", .formatted(.unitCode), "A province or commune code (default: the caller's area, or the country)"),
                QueryParameter(
                    "breakdown", values: Indicator.Breakdown.allCases.map(\.rawValue),
                    "One breakdown of the values (those the indicator lists; default none, the totals)"),
            ],
            pathParameters: [idParameter]
        ) { request, context, identity -> IndicatorValues in
            let id = context.parameters.get("indicatorId") ?? ""
            guard let indicator = IndicatorCatalogue.indicator(id) else { throw ProblemDetails.notFound("No indicator \(id).") }
            guard let computation = Computation.all[id] else {
                throw ProblemDetails.notFound("The values of \(id) are not computed yet; its definition is at /v1/indicators/\(id).")
            }
            let query = request.uri.queryParameters
            let (from, to) = try ExportRoutes.period(query)
            let period = query["period"].map(String.init) ?? "year"
            let requested = query["areaCode"].map(String.init)
            let groupBy = query["groupBy"].map(String.init)
            let breakdown = query["breakdown"].flatMap { Indicator.Breakdown(rawValue: String($0)) }
            if let breakdown, !computation.breakdowns.contains(breakdown) {
                throw ProblemDetails.validation([
                    .init(
                        pointer: "?breakdown",
                        detail:
                            "\(id) has the breakdowns \(computation.breakdowns.map(\.rawValue).joined(separator: ", ")), not \(breakdown.rawValue)")
                ])
            }
            var values: IndicatorValues
            do {
                values = try await environment.database.withTransaction(isolation: .repeatableRead, readOnly: true) { connection in
                    let area = try await ExportArea.resolve(requested: requested, for: identity, on: connection)
                    let byCommune = groupBy.map { $0 == "commune" } ?? area.isCommune
                    guard !(area.isCommune && !byCommune) else {
                        throw ProblemDetails.validation([.init(pointer: "?groupBy", detail: "must be commune for a commune's statistics")])
                    }
                    let rows = try await IndicatorStore(connection: connection).values(
                        of: computation, from: from, to: to, months: Self.months[period] ?? 12, area: area,
                        grouping: byCommune ? .commune : .province,
                        breakdown: breakdown)
                    let targets = try await TargetStore(connection: connection).targets(
                        of: id, areas: Array(Set(rows.map(\.areaCode))), years: Array(Set(rows.map(\.periodEnd.year))))
                    var values = IndicatorValues(
                        indicator: id, kind: indicator.kind, period: period, generation: "2025",
                        parameters: [
                            "from": from.description, "to": to.description, "areaCode": area.code ?? "national",
                            "groupBy": byCommune ? "commune" : "province", "breakdown": breakdown?.rawValue ?? "none",
                        ], items: rows)
                    values.attach(
                        targets, flowCount: indicator.period == .flow && (indicator.kind == .count || indicator.kind == .amount), today: .today())
                    return values
                }
            } catch let problem as ProblemDetails where problem.statusCode == 403 {
                try await environment.audit.record(
                    AuditEntry(
                        identity, context, action: "export", resource: "statistics", resourceID: "indicator:\(id)", outcome: .denied,
                        detail: ["areaCode": requested ?? "national"]))
                throw problem
            }
            var suppressed = 0
            if case .agency = identity { suppressed = values.suppressSmallCells(limit: ExportTable.smallCellLimit) }
            var detail = values.parameters
            detail["rows"] = String(values.items.count)
            detail["suppressed"] = String(suppressed)
            if case .agency(let agency) = identity { detail["purpose"] = agency.purpose }
            try await environment.audit.record(
                AuditEntry(identity, context, action: "export", resource: "statistics", resourceID: "indicator:\(id)", detail: detail))
            return values
        }
    }
}
