import Access
import Audit
import ContractValues
import EventBus
import Foundation
import Hummingbird
import Postgres
import Rules
import ServiceKit

/// Legal regimes: anyone signed in lists them (`GET /v1/regimes`), finds the one in force on a day
/// and asks it a duration; admins add the next one (`POST /v1/regimes`) without a code change.
/// Every figure says whether it is enacted, reported or carried over.
struct RegimeRoutes: Sendable {
    let environment: ServiceEnvironment

    /// A regime with the last day it is in force (none while it is the latest) and whether the
    /// service ships it.
    struct Listed: ResponseCodable {
        let regime: Regime
        let lastDay: CalendarDate?
        let shipped: Bool
    }

    struct Page: ResponseCodable {
        let items: [Listed]
    }

    /// A duration as the regime in force on `on` sets it.
    struct DurationAnswer: ResponseCodable {
        let on: CalendarDate
        let regime: String
        let measure: DurationRule.Measure
        let minimumMonths: Int
        let maximumMonths: Int
        let rule: String
        let provenance: Provenance
    }

    func add(to routes: SecuredRoutes) {
        routes.on(.get, "/v1/regimes", .anyCaller, summary: "Every legal regime, in the order they came into force") { _, _, _ -> Page in
            let book = try await book()
            return Page(items: book.regimes.map { listed($0, in: book) })
        }
        routes.on(
            .get, "/v1/regimes/in-force", .anyCaller, summary: "The regime in force on a day",
            responses: [404: "No regime was in force that day"], query: [.date("on", "The day (default today)")]
        ) { request, _, _ -> Listed in
            let day = request.uri.queryParameters["on"].flatMap(CalendarDate.init) ?? .today()
            let book = try await book()
            guard let regime = book.inForce(on: day) else { throw ProblemDetails.notFound("No regime was in force on \(day).") }
            return listed(regime, in: book)
        }
        routes.on(
            .get, "/v1/regimes/durations", .anyCaller, summary: "A duration under the regime in force on a day",
            responses: [404: "No regime was in force that day, or it sets no such duration"],
            query: [
                .date("on", "The day that decides the regime: an episode's start, a decision's date (default today)"),
                QueryParameter("measure", .oneOf(DurationRule.Measure.allCases.map(\.rawValue)), required: true, "What lasts"),
                QueryParameter("form", values: TreatmentForm.rawValues, "The treatment form"),
                QueryParameter("age", .integer(0...150), "The person's age"),
                QueryParameter("occurrence", values: Occurrence.allCases.map(\.rawValue), "A first treatment or a repeat"),
            ]
        ) { request, _, _ -> DurationAnswer in
            let query = request.uri.queryParameters
            let day = query["on"].flatMap(CalendarDate.init) ?? .today()
            let measure = query["measure"].flatMap { DurationRule.Measure(rawValue: String($0)) } ?? .treatment
            guard let regime = try await book().inForce(on: day) else { throw ProblemDetails.notFound("No regime was in force on \(day).") }
            guard
                let ruling = regime.duration(
                    measure, form: query["form"].flatMap { TreatmentForm(rawValue: String($0)) }, age: query["age"].flatMap { Int($0) },
                    occurrence: query["occurrence"].flatMap { Occurrence(rawValue: String($0)) })
            else {
                throw ProblemDetails.notFound("\(regime.title) (\(regime.name)) sets no \(measure.rawValue) duration for this case.")
            }
            return DurationAnswer(
                on: day, regime: ruling.regime, measure: measure, minimumMonths: ruling.value.lowerBound, maximumMonths: ruling.value.upperBound,
                rule: ruling.rule, provenance: ruling.provenance)
        }
        routes.on(
            .post, "/v1/regimes", .staff(.admin), summary: "Add the next legal regime",
            responses: [409: "A regime has this name or date already, or a later regime exists"], body: .decodable(Regime.self),
            answers: [Listed.self]
        ) { request, context, identity -> Response in
            let regime = try await request.decodeJSON(as: Regime.self, context: context)
            var validator = FieldValidator()
            for problem in regime.problems { validator.add(problem.field, problem.detail) }
            validator.require(regime.effectiveFrom > .today(), "/effectiveFrom", "must be after today: a regime never changes the past")
            try validator.finish()
            let listed = try await environment.database.withTransaction { connection -> Listed in
                let store = RegimeStore(connection: connection)
                try await store.lockForAdding()
                let book = try await store.book()
                if book.regimes.contains(where: { $0.name == regime.name }) {
                    throw ProblemDetails.conflict("A regime named \(regime.name) exists already.", type: "regime-exists")
                }
                if let latest = book.regimes.last, latest.effectiveFrom >= regime.effectiveFrom {
                    throw ProblemDetails.conflict(
                        "A regime must come into force after the latest one (\(latest.name), from \(latest.effectiveFrom)).", type: "regime-order")
                }
                try await store.insert(regime, by: identity.id)
                try await AuditLog.append(
                    AuditEntry(
                        identity, context, action: "create", resource: "regime", resourceID: regime.name,
                        detail: ["effectiveFrom": regime.effectiveFrom.description]), on: connection)
                return Listed(regime: regime, lastDay: nil, shipped: false)
            }
            return try Response.json(listed, status: .created, headers: [.location: "/v1/regimes/in-force?on=\(regime.effectiveFrom)"])
        }
    }

    private func book() async throws -> RegimeBook {
        try await environment.database.withConnection { try await RegimeStore(connection: $0).book() }
    }

    private func listed(_ regime: Regime, in book: RegimeBook) -> Listed {
        Listed(regime: regime, lastDay: book.lastDay(of: regime), shipped: StandardRegimes.all.contains { $0.name == regime.name })
    }
}
