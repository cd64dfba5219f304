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
    /// The CSV streams running at once: beyond its limit a CSV is a 503 with `Retry-After`.
    var csvStreams = StreamGate(limit: IndicatorReader.csvStreamLimit)

    /// How many CSVs of values are streamed at once (each holds two connections of the pool while it runs).
    static let csvStreamLimit = 2

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

    /// What a read resolved before computing: the area, how rows are grouped, the parameters echoed.
    private struct Plan: Sendable {
        let area: ExportArea
        let grouping: IndicatorStore.Grouping
        let parameters: [String: String]
        /// Whose targets rows can be for: the grouping's units, or any in the area for rows by
        /// former district (where a commune formed across districts keeps its own row).
        let targetUnits: IndicatorStore.Grouping?

        /// Whose targets the rows of `indicators` can be for: any in the area when one of them has
        /// its rows by former district (unless the read is one row per indicator).
        func targetUnits(for indicators: [Indicator]) -> IndicatorStore.Grouping? {
            if case .whole = grouping { return targetUnits }
            return indicators.contains { Computation.all[$0.id]?.isByFormerDistrict == true } ? nil : targetUnits
        }
    }

    /// Reads every value at once, then records the export (with its rows and suppressed cells).
    func read(
        _ indicators: [Indicator], query: IndicatorQuery, rows: Rows, identity: Identity, context: AppRequestContext, resourceID: String
    ) async throws -> Result {
        let result = try await deniedAudited(query: query, identity: identity, context: context, resourceID: resourceID) {
            try await environment.reads.withTransaction(isolation: .repeatableRead) { connection, pool in
                let plan = try await Self.plan(query: query, rows: rows, identity: identity, on: connection)
                var values: [IndicatorValues] = []
                let targets = try await TargetStore(connection: connection).targets(
                    years: query.from.year...query.to.year, area: plan.area, units: plan.targetUnits(for: indicators))
                let units = try await AreaUnits.load(area: plan.area, on: connection)
                try Self.checkSize(of: indicators, query: query, grouping: plan.grouping, units: units)
                try await Self.compute(
                    indicators, query: query, rows: rows, plan: plan, units: units, on: connection, helpers: pool
                ) { (computed: consuming IndicatorValues) in
                    computed.materialize()
                    for row in computed.items.indices where computed.items[row].areaName == nil {
                        computed.items[row].areaName = units.name(of: computed.items[row].areaCode)
                    }
                    Self.attach(targets, to: &computed)
                    values.append(computed)
                }
                return Result(values: values, area: plan.area, parameters: plan.parameters)
            }
        }
        var values = result.values
        var suppression = CellSuppression.Report()
        if case .agency = identity {
            for index in values.indices {
                let report = values[index].suppressSmallCells(limit: ExportTable.smallCellLimit)
                suppression.primary += report.primary
                suppression.complementary += report.complementary
            }
        }
        var detail = result.parameters
        detail["format"] = query.format
        detail["indicators"] = String(values.count)
        detail["rows"] = String(values.reduce(0) { $0 + $1.items.count })
        detail["suppressed"] = String(suppression.total)
        if case .agency(let agency) = identity { detail["purpose"] = agency.purpose }
        try await environment.audit.record(
            AuditEntry(identity, context, action: "export", resource: "statistics", resourceID: resourceID, detail: detail))
        return Result(values: values, area: result.area, parameters: result.parameters)
    }

    /// The most rows a JSON answer may hold (every row is in memory before the answer is written;
    /// about 70 MB at this size). A CSV is streamed and has no such limit.
    static let jsonRowLimit = 200_000

    /// Refuses a JSON read that could hold more than `jsonRowLimit` rows (a row per unit, period and
    /// indicator; breakdown values not counted; by former district, the communes' rows it adds up),
    /// before anything is computed.
    private static func checkSize(of indicators: [Indicator], query: IndicatorQuery, grouping: IndicatorStore.Grouping, units: AreaUnits) throws {
        // Rows by former district are added up from every commune's, made first.
        let series =
            switch grouping {
            case _ where query.groupBy == "district": units.communes.count
            case .commune: units.communes.count
            case .province: Set(units.communes.map(\.province)).count
            case .whole: 1
            }
        let periods = Periods(from: query.from, to: query.to, months: query.months).starts.count
        let rows = series * periods * indicators.filter { Computation.all[$0.id] != nil }.count
        guard rows <= jsonRowLimit else {
            throw ProblemDetails.validation([
                .init(
                    pointer: "?format",
                    detail:
                        "this query has up to \(rows) rows and a JSON answer at most \(jsonRowLimit): ask for format=csv, a smaller area or longer periods"
                )
            ])
        }
    }

    /// Answers the values as CSV streamed one indicator at a time, as each is computed (a CSV of
    /// every commune by month for five years never sits whole in memory). The request is checked
    /// and the export recorded before the first figure leaves (its rows are not counted then);
    /// `filename` names the file after the resolved area. At most `csvStreamLimit` run at once.
    func streamCSV(
        _ indicators: [Indicator], query: IndicatorQuery, rows: Rows, identity: Identity, context: AppRequestContext, resourceID: String,
        filename: (ExportArea) -> String
    ) async throws -> Response {
        guard let ticket = csvStreams.ticket() else {
            throw ProblemDetails.unavailable(
                "\(csvStreams.limit) CSV exports are being written already; try again in a few seconds.", retryAfterSeconds: 5)
        }
        let plan = try await deniedAudited(query: query, identity: identity, context: context, resourceID: resourceID) {
            try await environment.reads.withTransaction(isolation: .repeatableRead) { connection, _ in
                try await Self.plan(query: query, rows: rows, identity: identity, on: connection)
            }
        }
        var detail = plan.parameters
        detail["format"] = "csv"
        detail["indicators"] = String(indicators.filter { Computation.all[$0.id] != nil }.count)
        detail["streamed"] = "true"
        if case .agency(let agency) = identity { detail["purpose"] = agency.purpose }
        try await environment.audit.record(
            AuditEntry(identity, context, action: "export", resource: "statistics", resourceID: resourceID, detail: detail))
        let reads = environment.reads
        return IndicatorCSV.response(filename: filename(plan.area)) { emit in
            // The place is given back once the answer is written or dropped.
            withExtendedLifetime(ticket) {}
            try await reads.withTransaction(isolation: .repeatableRead) { connection, pool in
                let targets = try await TargetStore(connection: connection).targets(
                    years: query.from.year...query.to.year, area: plan.area, units: plan.targetUnits(for: indicators))
                let units = try await AreaUnits.load(area: plan.area, on: connection)
                try await Self.compute(indicators, query: query, rows: rows, plan: plan, units: units, on: connection, helpers: pool) {
                    (values: consuming IndicatorValues) in
                    // The rows stay unnamed (the CSV writes each unit's name once, from `units`) and,
                    // for officers, in their grid until written.
                    Self.attach(targets, to: &values)
                    if case .agency = identity { _ = values.suppressSmallCells(limit: ExportTable.smallCellLimit) }
                    try await emit(values, units)
                }
            }
        }
    }

    /// Runs `body`; an area outside the caller's (403) is recorded on the audit trail as a denied export.
    private func deniedAudited<T>(
        query: IndicatorQuery, identity: Identity, context: AppRequestContext, resourceID: String, _ body: () async throws -> sending T
    ) async throws -> sending T {
        do {
            return try await body()
        } catch let problem as ProblemDetails where problem.statusCode == 403 {
            try await environment.audit.record(
                AuditEntry(
                    identity, context, action: "export", resource: "statistics", resourceID: resourceID, outcome: .denied,
                    detail: ["areaCode": query.requestedArea ?? "national"]))
            throw problem
        }
    }

    /// Checks the request against the caller's area and the aggregates' state, and resolves how to read.
    private static func plan(query: IndicatorQuery, rows: Rows, identity: Identity, on connection: PostgresConnection) async throws -> Plan {
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
            try checkMonthly(breakdown, query: query, byCommune: byCommune || query.groupBy == "district")
        }
        let grouping: IndicatorStore.Grouping =
            switch rows {
            case .grouped: byCommune ? .commune : .province
            case .whole: .whole(label: area.code ?? "national")
            }
        let parameters = query.echo(area: area, grouping: rows == .whole ? "none" : query.groupBy ?? (byCommune ? "commune" : "province"))
        return Plan(area: area, grouping: grouping, parameters: parameters, targetUnits: query.groupBy == "district" ? nil : grouping)
    }

    /// Attaches the rows' `targets` (those of their indicator) and statuses.
    private static func attach(_ targets: [Target], to values: inout IndicatorValues) {
        guard let indicator = IndicatorCatalogue.indicator(values.indicator) else { return }
        let own = targets.filter { $0.indicator == indicator.id }
        guard !own.isEmpty else { return }
        values.attach(
            TargetMatch(own, flowCount: indicator.period == .flow && (indicator.kind == .count || indicator.kind == .amount), today: .today()))
    }

    /// Computes the values of `indicators` (those computed) and hands each to `deliver`, in their
    /// order, in the snapshot of the transaction open on `connection`. From four indicators on,
    /// every other one is computed on a second connection of `helpers` importing that snapshot
    /// (`SET TRANSACTION SNAPSHOT`), when one is free at once, while the one before it is computed
    /// and delivered here, and its next one while it is delivered (at most three indicators' values
    /// are held at once): the year's table takes half as long on two cores. Without a free one,
    /// or once the helper fails (the snapshot gone, a connection refused), the rest run here.
    private static func compute(
        _ indicators: [Indicator], query: IndicatorQuery, rows: Rows, plan: Plan, units: AreaUnits, on connection: PostgresConnection,
        helpers: PostgresClient, deliver: (consuming IndicatorValues) async throws -> Void
    ) async throws {
        let computed = indicators.filter { Computation.all[$0.id] != nil }
        // Both connections read in the same snapshot: a read several indicators make is made once.
        let reads = AggregateReads(shared: AggregateReads.measuresReadTwice(by: computed.compactMap { Computation.all[$0.id] }))
        func run(_ indicator: Indicator, on connection: PostgresConnection) async throws -> [IndicatorValues] {
            try await values(
                of: [indicator], query: query, rows: rows, area: plan.area, grouping: plan.grouping, parameters: plan.parameters,
                units: units, reads: reads, on: connection)
        }
        var delivered = 0
        // Whether what failed ran here (or in `deliver`): that fails the read; the helper's failures do not.
        var failedHere = false
        func here(_ indicator: Indicator) async throws {
            do {
                var computed = try await run(indicator, on: connection)
                // Moved out of the array: `deliver` holds the only reference and changes rows in place.
                while let values = computed.popLast() { try await deliver(consume values) }
            } catch {
                failedHere = true
                throw error
            }
        }
        if computed.count >= 4,
            let snapshot = try await connection.query("SELECT pg_export_snapshot()").first?.decode(String.self, at: 0),
            snapshot.allSatisfy({ $0.isHexDigit || $0 == "-" })
        {
            do {
                _ = try await helpers.withConnectionIfAvailable { other in
                    try await other.withTransaction(isolation: .repeatableRead, readOnly: true) { other in
                        try await other.query(PostgresQuery(unsafeSQL: "SET TRANSACTION SNAPSHOT '\(snapshot)'"))
                        // The helper takes every other indicator and starts its next one as soon as
                        // it hands one over, so it computes while the one before is delivered here.
                        try await withThrowingTaskGroup(of: [IndicatorValues].self) { helper in
                            func help(_ index: Int) {
                                guard index < computed.count else { return }
                                let next = computed[index]
                                helper.addTask {
                                    try await Self.values(
                                        of: [next], query: query, rows: rows, area: plan.area, grouping: plan.grouping,
                                        parameters: plan.parameters, units: units, reads: reads, on: other)
                                }
                            }
                            help(delivered + 1)
                            while delivered + 1 < computed.count {
                                try await here(computed[delivered])
                                delivered += 1
                                guard var theirs = try await helper.next() else { break }
                                help(delivered + 2)
                                do {
                                    while let values = theirs.popLast() { try await deliver(consume values) }
                                } catch {
                                    failedHere = true
                                    throw error
                                }
                                delivered += 1
                            }
                        }
                    }
                }
            } catch is CancellationError {
                throw CancellationError()
            } catch  where !failedHere {
                // The helper is an optimisation: whatever keeps it from answering, the rest run here.
            }
        }
        while delivered < computed.count {
            try await here(computed[delivered])
            delivered += 1
        }
    }

    /// The values of `indicators`, one after the other, on `connection`.
    private static func values(
        of indicators: [Indicator], query: IndicatorQuery, rows: Rows, area: ExportArea, grouping: IndicatorStore.Grouping,
        parameters: [String: String], units: AreaUnits, reads: AggregateReads, on connection: PostgresConnection
    ) async throws -> [IndicatorValues] {
        var formerDistricts: FormerDistricts?
        var values: [IndicatorValues] = []
        for indicator in indicators {
            guard let computation = Computation.all[indicator.id] else { continue }
            let store = IndicatorStore(connection: connection, units: units, reads: reads)
            var items: [IndicatorValues.Row] = []
            var grid: ValueGrid?
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
                // Rows are made when they are needed (a CSV makes them one at a time as it writes).
                grid = try await store.grid(
                    of: computation, from: query.from, to: query.to, months: query.months, area: area, grouping: grouping,
                    breakdown: query.breakdown)
                if grid == nil {
                    items = try await store.values(
                        of: computation, from: query.from, to: query.to, months: query.months, area: area, grouping: grouping,
                        breakdown: query.breakdown)
                }
                generation = .current
            }
            values.append(
                IndicatorValues(
                    indicator: indicator.id, kind: indicator.kind, period: query.period,
                    breakdown: computation.breakdownName(asked: query.breakdown), generation: generation.rawValue, parameters: parameters,
                    items: items, grid: grid))
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
