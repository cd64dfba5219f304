import Access
import Audit
import Foundation
import Hummingbird
import HummingbirdCore
import Postgres
import RegistryContracts
import ServiceKit

/// Aggregate exports for other agencies (API keys) and for officers, always within the caller's
/// area, never about one person. Every export is on the audit trail (`export`, with the key or
/// account, the dataset, its parameters and the number of rows).
///
/// - `GET /v1/statistics/people-by-status?on=&groupBy=province|commune&areaCode=&format=json|csv`:
///   people by their management status on a day (every status, `management_ended` too), by area
///   and sex;
/// - `GET /v1/statistics/referrals?from=&to=&groupBy=&areaCode=&format=`: referrals made in a
///   period, by area, kind, status and outcome, with the amounts of disbursed loans;
/// - `GET /v1/statistics/treatment?from=&to=&groupBy=&areaCode=&format=`: treatment and
///   reintegration in a period, by area, measure and form.
struct ExportRoutes: Sendable {
    let environment: ServiceEnvironment

    static let rule = AccessRule(roles: [.admin, .provinceOfficer, .communeOfficer], allowsAgencyKeys: true)

    /// The query parameters every export takes.
    static let commonParameters: [QueryParameter] = [
        QueryParameter(
            "groupBy", values: ["province", "commune"], "Rows by province or commune (default: commune for a commune's statistics, else province)"),
        QueryParameter("areaCode", .formatted(.unitCode), "A province or commune code (default: the caller's area, or the country)"),
        QueryParameter("format", values: ["json", "csv"], "The answer's format (default json)"),
    ]

    /// What every export reads from the query: grouping, area, format.
    struct Common {
        /// `province` or `commune` as asked; nil: the area's own level (communes for a commune).
        let groupBy: String?
        let requestedArea: String?
        let format: String
    }

    /// The grouping, area and format of a request (its values checked against `commonParameters`).
    static func common(_ query: FlatDictionary<Substring, Substring>) -> Common {
        Common(
            groupBy: query["groupBy"].map(String.init), requestedArea: query["areaCode"].map(String.init),
            format: query["format"].map(String.init) ?? "json")
    }

    func add(to routes: SecuredRoutes) {
        routes.on(
            .get, "/v1/statistics/people-by-status", Self.rule,
            summary: "People by management status on a day (management_ended included), by area, status and sex",
            answerTypes: ["application/json", "text/csv"], answers: [ExportTable.Document.self],
            query: Self.commonParameters + [.date("on", "The day (default today)")]
        ) { request, context, identity -> Response in
            let query = request.uri.queryParameters
            let common = Self.common(query)
            let on = query["on"].flatMap(CalendarDate.init) ?? CalendarDate.today()
            return try await export(dataset: "people-by-status", common, identity, context, parameters: ["on": on.description]) {
                area, byCommune, connection in
                try await ExportStore(connection: connection).peopleByStatus(on: on, in: area, byCommune: byCommune)
            }
        }

        addPeriodExport(
            to: routes, path: "/v1/statistics/referrals", dataset: "referrals",
            summary: "Referrals made in a period, by area, kind, status and outcome"
        ) { from, to, area, byCommune, connection in
            try await ExportStore(connection: connection).referrals(from: from, to: to, in: area, byCommune: byCommune)
        }
        addPeriodExport(
            to: routes, path: "/v1/statistics/treatment", dataset: "treatment",
            summary: "Treatment and reintegration in a period, by area, measure and treatment form"
        ) { from, to, area, byCommune, connection in
            try await ExportStore(connection: connection).treatment(from: from, to: to, in: area, byCommune: byCommune)
        }
    }

    /// The period every period export reads: `from` (default 1 January this year) to `to`
    /// (default today), at most ten years.
    static func period(_ query: FlatDictionary<Substring, Substring>) throws -> (from: CalendarDate, to: CalendarDate) {
        var validator = FieldValidator()
        let today = CalendarDate.today()
        let from = query["from"].flatMap(CalendarDate.init) ?? CalendarDate(year: today.year, month: 1, day: 1)!
        let to = query["to"].flatMap(CalendarDate.init) ?? today
        validator.require(from <= to, "?to", "must not be before ?from")
        validator.require(to.daysSinceEpoch - from.daysSinceEpoch <= 3_660, "?from", "the period may span at most ten years")
        try validator.finish()
        return (from, to)
    }

    /// An export of a period (`?from=&to=` besides the common parameters), answered by `table`.
    private func addPeriodExport(
        to routes: SecuredRoutes, path: String, dataset: String, summary: String,
        _ table: @escaping @Sendable (CalendarDate, CalendarDate, ExportArea, Bool, PostgresConnection) async throws -> ExportTable
    ) {
        routes.on(
            .get, path, Self.rule, summary: summary, answerTypes: ["application/json", "text/csv"], answers: [ExportTable.Document.self],
            query: Self.commonParameters + [
                .date("from", "First day of the period (default 1 January this year)"), .date("to", "Last day of the period (default today)"),
            ]
        ) { request, context, identity -> Response in
            let query = request.uri.queryParameters
            let (from, to) = try Self.period(query)
            return try await export(
                dataset: dataset, Self.common(query), identity, context, parameters: ["from": from.description, "to": to.description]
            ) { area, byCommune, connection in
                try await table(from, to, area, byCommune, connection)
            }
        }
    }

    /// Resolves the area, runs `query`, suppresses small cells for agency keys, records the export
    /// in the audit trail and answers in the asked format.
    private func export(
        dataset: String, _ common: Common, _ identity: Identity, _ context: AppRequestContext, parameters: [String: String],
        _ query: @Sendable (ExportArea, Bool, PostgresConnection) async throws -> ExportTable
    ) async throws -> Response {
        let resolved: ExportTable
        do {
            resolved = try await run(common, identity, parameters: parameters, query)
        } catch let problem as ProblemDetails where problem.statusCode == 403 {
            try await environment.audit.record(
                AuditEntry(
                    identity, context, action: "export", resource: "statistics", resourceID: dataset, outcome: .denied,
                    detail: ["areaCode": common.requestedArea ?? "national"]))
            throw problem
        }
        var table = resolved
        var suppressed = 0
        if case .agency = identity { suppressed = table.suppressSmallCells() }
        var detail = table.parameters
        detail["format"] = common.format
        detail["rows"] = String(table.rows.count)
        detail["suppressed"] = String(suppressed)
        if case .agency(let agency) = identity { detail["purpose"] = agency.purpose }
        try await environment.audit.record(
            AuditEntry(identity, context, action: "export", resource: "statistics", resourceID: dataset, detail: detail))
        return try table.response(format: common.format)
    }

    /// The table, in one read-only snapshot.
    private func run(
        _ common: Common, _ identity: Identity, parameters: [String: String],
        _ query: @Sendable (ExportArea, Bool, PostgresConnection) async throws -> ExportTable
    ) async throws -> ExportTable {
        try await environment.reads.withTransaction(isolation: .repeatableRead) { connection, _ -> ExportTable in
            let area = try await ExportArea.resolve(requested: common.requestedArea, for: identity, on: connection)
            // By default, rows at the caller's level: communes for a commune's statistics.
            let byCommune = common.groupBy.map { $0 == "commune" } ?? area.isCommune
            guard !(area.isCommune && !byCommune) else {
                throw ProblemDetails.validation([.init(pointer: "?groupBy", detail: "must be commune for a commune's statistics")])
            }
            var table = try await query(area, byCommune, connection)
            table.parameters = parameters
            table.parameters["groupBy"] = byCommune ? "commune" : "province"
            table.parameters["areaCode"] = area.code ?? "national"
            return table
        }
    }
}
