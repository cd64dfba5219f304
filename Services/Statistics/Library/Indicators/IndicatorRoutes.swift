import Access
import Foundation
import Hummingbird
import Postgres
import ServiceKit

/// The indicator catalogue and its values. Anyone signed in, and other agencies' keys, read the
/// definitions (`GET /v1/indicators`, `GET /v1/indicators/{indicatorId}`); officers and keys read
/// values by area and period within the area they are bound to, as JSON or CSV: one indicator's
/// (`GET /v1/indicators/{indicatorId}/values`), every computed one's for the same query
/// (`GET /v1/indicators/values`), and the year's table of every indicator for one area
/// (`GET /v1/indicators/table`, the country by default). Small cells and their complements are
/// suppressed for keys; each read is audited as an export. No personal data.
struct IndicatorRoutes: Sendable {
    let environment: ServiceEnvironment

    struct Page: ResponseCodable {
        let items: [Indicator]
    }

    /// Several indicators' values for one query.
    struct Values: ResponseCodable {
        let parameters: [String: String]
        let generation: String
        let indicators: [IndicatorValues]
    }

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
        let reader = IndicatorReader(environment: environment)
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
            summary: "Every computed indicator for a year, for the caller's area or one unit of it (the country by default), with targets",
            responses: [403: "An area outside the caller's"], answerTypes: ["application/json", "text/csv"], answers: [Table.self],
            query: [
                QueryParameter("year", .integer(2000...2100), "The year (default this year; a running year counts to today)"),
                QueryParameter("areaCode", .formatted(.unitCode), "A province or commune code (default: the caller's area, or the country)"),
                QueryParameter("format", values: ["json", "csv"], "The answer's format (default json; csv is UTF-8 with a byte-order mark)"),
            ]
        ) { request, context, identity -> Response in
            let parameters = request.uri.queryParameters
            let today = CalendarDate.today()
            let year = parameters["year"].flatMap { Int($0) } ?? today.year
            let query = try IndicatorQuery(
                year: year, requestedArea: parameters["areaCode"].map(String.init), format: parameters["format"].map(String.init) ?? "json",
                today: today)
            if query.format == "csv" {
                return try await reader.streamCSV(
                    IndicatorCatalogue.all, query: query, rows: .whole, identity: identity, context: context, resourceID: "indicator-table"
                ) { area in "indicators-\(area.code ?? "national")-\(year)" }
            }
            let read = try await reader.read(
                IndicatorCatalogue.all, query: query, rows: .whole, identity: identity, context: context, resourceID: "indicator-table")
            let label = read.area.code ?? "national"
            let items = read.values.flatMap { values in values.items.map { Table.Item(indicator: values.indicator, kind: values.kind, row: $0) } }
            return try Response.json(Table(year: year, areaCode: label, from: query.from, to: query.to, generation: "2025", items: items))
        }

        routes.on(
            .get, "/v1/indicators/values", ExportRoutes.rule,
            summary: "Every computed indicator's values for one query (by area, period and breakdown), as JSON or CSV",
            responses: [403: "An area outside the caller's"], answerTypes: ["application/json", "text/csv"], answers: [Values.self],
            query: IndicatorQuery.parameters
        ) { request, context, identity -> Response in
            let query = try IndicatorQuery(request)
            let indicators = IndicatorCatalogue.all.filter { indicator in
                Computation.all[indicator.id].map { query.breakdown.map($0.breakdowns.contains) ?? true } ?? false
            }
            if query.format == "csv" {
                return try await reader.streamCSV(
                    indicators, query: query, rows: .grouped, identity: identity, context: context, resourceID: "indicators"
                ) { _ in "indicators" }
            }
            let read = try await reader.read(indicators, query: query, rows: .grouped, identity: identity, context: context, resourceID: "indicators")
            return try Response.json(Values(parameters: read.parameters, generation: "2025", indicators: read.values))
        }

        routes.on(
            .get, "/v1/indicators/{indicatorId}/values", ExportRoutes.rule,
            summary: "An indicator's values by area and period (numerator, denominator, value, target and status), as JSON or CSV",
            responses: [404: "No indicator with this id, or its values are not computed yet", 403: "An area outside the caller's"],
            answerTypes: ["application/json", "text/csv"], answers: [IndicatorValues.self], query: IndicatorQuery.parameters,
            pathParameters: [idParameter]
        ) { request, context, identity -> Response in
            let id = context.parameters.get("indicatorId") ?? ""
            guard let indicator = IndicatorCatalogue.indicator(id) else { throw ProblemDetails.notFound("No indicator \(id).") }
            guard let computation = Computation.all[id] else {
                throw ProblemDetails.notFound("The values of \(id) are not computed yet; its definition is at /v1/indicators/\(id).")
            }
            let query = try IndicatorQuery(request)
            if let breakdown = query.breakdown, !computation.breakdowns.contains(breakdown) {
                let listed = computation.breakdowns.map(\.rawValue).joined(separator: ", ")
                throw ProblemDetails.validation([
                    .init(
                        pointer: "?breakdown",
                        detail: "\(id) has \(listed.isEmpty ? "no breakdowns" : "the breakdowns " + listed), not \(breakdown.rawValue)")
                ])
            }
            if query.groupBy == "district", !computation.addsUp {
                throw ProblemDetails.validation([.init(pointer: "?groupBy", detail: "\(id) cannot be added up by former district")])
            }
            if query.format == "csv" {
                return try await reader.streamCSV(
                    [indicator], query: query, rows: .grouped, identity: identity, context: context, resourceID: "indicator:\(id)"
                ) { _ in id }
            }
            let read = try await reader.read(
                [indicator], query: query, rows: .grouped, identity: identity, context: context, resourceID: "indicator:\(id)")
            return try Response.json(
                read.values.first
                    ?? IndicatorValues(
                        indicator: id, kind: indicator.kind, period: query.period, generation: "2025", parameters: read.parameters, items: []))
        }
    }
}
