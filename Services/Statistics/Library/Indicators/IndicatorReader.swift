import Access
import Audit
import Foundation
import Hummingbird
import Postgres
import RegistryContracts
import ServiceKit

/// Reads indicator values for a caller: resolves the area within the caller's, computes each
/// indicator in one read-only snapshot, attaches targets and statuses, suppresses small cells and
/// their complements for other agencies' keys, and records the export on the audit trail (a denied
/// area too).
struct IndicatorReader: Sendable {
    let environment: ServiceEnvironment

    /// How the rows of a read are grouped.
    enum Rows: Sendable {
        /// By the query's `groupBy` (or the area's own level).
        case grouped
        /// One row per indicator (and breakdown value) for the whole area: the year's table.
        case whole
    }

    struct Result: Sendable {
        var values: [IndicatorValues]
        let area: ExportArea
        let parameters: [String: String]
    }

    func read(
        _ indicators: [Indicator], query: IndicatorQuery, rows: Rows, identity: Identity, context: AppRequestContext, resourceID: String
    ) async throws -> Result {
        var result: Result
        do {
            result = try await environment.database.withTransaction(isolation: .repeatableRead, readOnly: true) { connection in
                // Until a pending rebuild has swapped its tables in, the aggregates are incomplete.
                let pending = try await connection.query("SELECT EXISTS (SELECT 1 FROM statistics.pending_rebuilds)").first?.decode(Bool.self, at: 0)
                if pending == true {
                    throw ProblemDetails.unavailable("The statistics are being rebuilt from the event log; try again in a few minutes.")
                }
                let area = try await ExportArea.resolve(requested: query.requestedArea, for: identity, on: connection)
                let byCommune = query.groupBy.map { $0 == "commune" } ?? area.isCommune
                guard !(area.isCommune && !byCommune) else {
                    throw ProblemDetails.validation([.init(pointer: "?groupBy", detail: "must be commune for a commune's statistics")])
                }
                if query.groupBy == "district", query.to > IndicatorQuery.lastDayOfDistricts {
                    throw ProblemDetails.validation([
                        .init(pointer: "?groupBy", detail: "districts were abolished on 2025-07-01: ask for periods ending by 2025-06-30")
                    ])
                }
                if let breakdown = query.breakdown, Measure.commonDimensions.contains(breakdown.rawValue) {
                    try Self.checkMonthly(breakdown, query: query, byCommune: byCommune || query.groupBy == "district")
                }
                let grouping: IndicatorStore.Grouping =
                    switch rows {
                    case .grouped: byCommune ? .commune : .province
                    case .whole: .whole(label: area.code ?? "national")
                    }
                let parameters = query.echo(area: area, grouping: rows == .whole ? "none" : query.groupBy ?? (byCommune ? "commune" : "province"))
                var values = try await Self.compute(
                    indicators, query: query, rows: rows, area: area, grouping: grouping, parameters: parameters, on: connection,
                    helpers: environment.database)
                // Names and targets for every row at once.
                var unnamed = Set<String>()
                var codes = Set<String>()
                var years = Set<Int>()
                for indicator in values {
                    for row in indicator.items {
                        codes.insert(row.areaCode)
                        years.insert(row.periodEnd.year)
                        if row.areaName == nil { unnamed.insert(row.areaCode) }
                    }
                }
                let names = try await IndicatorStore(connection: connection).names(of: unnamed)
                let targets = try await TargetStore(connection: connection).targets(
                    of: values.map(\.indicator), areas: Array(codes), years: Array(years))
                for index in values.indices {
                    guard let indicator = IndicatorCatalogue.indicator(values[index].indicator) else { continue }
                    for row in values[index].items.indices where values[index].items[row].areaName == nil {
                        values[index].items[row].areaName = names[values[index].items[row].areaCode]
                    }
                    values[index].attach(
                        targets.filter { $0.indicator == indicator.id },
                        flowCount: indicator.period == .flow && (indicator.kind == .count || indicator.kind == .amount), today: .today())
                }
                return Result(values: values, area: area, parameters: parameters)
            }
        } catch let problem as ProblemDetails where problem.statusCode == 403 {
            try await environment.audit.record(
                AuditEntry(
                    identity, context, action: "export", resource: "statistics", resourceID: resourceID, outcome: .denied,
                    detail: ["areaCode": query.requestedArea ?? "national"]))
            throw problem
        }
        var suppression = CellSuppression.Report()
        if case .agency = identity {
            for index in result.values.indices {
                let report = result.values[index].suppressSmallCells(limit: ExportTable.smallCellLimit)
                suppression.primary += report.primary
                suppression.complementary += report.complementary
            }
        }
        var detail = result.parameters
        detail["format"] = query.format
        detail["indicators"] = String(result.values.count)
        detail["rows"] = String(result.values.reduce(0) { $0 + $1.items.count })
        detail["suppressed"] = String(suppression.total)
        if case .agency(let agency) = identity { detail["purpose"] = agency.purpose }
        try await environment.audit.record(
            AuditEntry(identity, context, action: "export", resource: "statistics", resourceID: resourceID, detail: detail))
        return result
    }

    /// The values of `indicators` (those computed), in their order, in the snapshot of the
    /// transaction open on `connection`. From four indicators on, every other one is computed on a
    /// second connection of `helpers` importing that snapshot (`SET TRANSACTION SNAPSHOT`), when
    /// one is free at once: the year's table takes half as long on two cores. Without a free one,
    /// all run on `connection`.
    private static func compute(
        _ indicators: [Indicator], query: IndicatorQuery, rows: Rows, area: ExportArea, grouping: IndicatorStore.Grouping,
        parameters: [String: String], on connection: PostgresConnection, helpers: PostgresClient
    ) async throws -> [IndicatorValues] {
        let computed = indicators.filter { Computation.all[$0.id] != nil }
        func run(_ part: [Indicator], on connection: PostgresConnection) async throws -> [IndicatorValues] {
            try await values(of: part, query: query, rows: rows, area: area, grouping: grouping, parameters: parameters, on: connection)
        }
        guard computed.count >= 4,
            let snapshot = try await connection.query("SELECT pg_export_snapshot()").first?.decode(String.self, at: 0),
            snapshot.allSatisfy({ $0.isHexDigit || $0 == "-" })
        else { return try await run(computed, on: connection) }
        let mine = computed.enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
        let theirs = computed.enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
        async let helped: [IndicatorValues]? = helpers.withConnectionIfAvailable { other in
            try await other.withTransaction(isolation: .repeatableRead, readOnly: true) { other in
                try await other.query(PostgresQuery(unsafeSQL: "SET TRANSACTION SNAPSHOT '\(snapshot)'"))
                return try await run(theirs, on: other)
            }
        }
        let first = try await run(mine, on: connection)
        // The helper is an optimisation: whatever keeps it from answering (no free connection, a
        // connection refused, the snapshot gone), its half runs here.
        let fromHelper: [IndicatorValues]?
        do {
            fromHelper = try await helped
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            fromHelper = nil
        }
        let second: [IndicatorValues]
        if let fromHelper { second = fromHelper } else { second = try await run(theirs, on: connection) }
        let order = Dictionary(uniqueKeysWithValues: computed.enumerated().map { ($1.id, $0) })
        return (first + second).sorted { order[$0.indicator] ?? 0 < order[$1.indicator] ?? 0 }
    }

    /// The values of `indicators`, one after the other, on `connection`.
    private static func values(
        of indicators: [Indicator], query: IndicatorQuery, rows: Rows, area: ExportArea, grouping: IndicatorStore.Grouping,
        parameters: [String: String], on connection: PostgresConnection
    ) async throws -> [IndicatorValues] {
        var formerDistricts: FormerDistricts?
        var values: [IndicatorValues] = []
        for indicator in indicators {
            guard let computation = Computation.all[indicator.id] else { continue }
            let store = IndicatorStore(connection: connection)
            let items: [IndicatorValues.Row]
            let generation: AdminUnitGeneration
            if rows == .grouped, query.byFormerDistrict(computation) {
                guard computation.addsUp else { continue }
                if formerDistricts == nil { formerDistricts = try await FormerDistricts.load(on: connection) }
                items =
                    formerDistricts?.regroup(
                        try await store.values(
                            of: computation, from: query.from, to: query.to, months: query.months, area: area, grouping: .commune,
                            breakdown: query.breakdown), sharedDenominator: computation.hasSharedDenominator) ?? []
                generation = .legacy
            } else {
                items = try await store.values(
                    of: computation, from: query.from, to: query.to, months: query.months, area: area, grouping: grouping,
                    breakdown: query.breakdown)
                generation = .current
            }
            values.append(
                IndicatorValues(
                    indicator: indicator.id, kind: indicator.kind, period: query.period,
                    breakdown: computation.breakdownName(asked: query.breakdown), generation: generation.rawValue, parameters: parameters,
                    items: items))
        }
        return values
    }

    /// The person's breakdowns are kept for provinces and the country, by the month: periods must
    /// be whole months.
    static func checkMonthly(_ breakdown: Indicator.Breakdown, query: IndicatorQuery, byCommune: Bool) throws {
        var validator = FieldValidator()
        validator.require(
            !byCommune, "?breakdown", "\(breakdown.rawValue) is kept for provinces and the country only (a commune's would single people out)")
        validator.require(query.from.day == 1, "?from", "must be the first day of a month with breakdown=\(breakdown.rawValue)")
        validator.require(query.to.adding(days: 1).day == 1, "?to", "must be the last day of a month with breakdown=\(breakdown.rawValue)")
        try validator.finish()
    }
}
