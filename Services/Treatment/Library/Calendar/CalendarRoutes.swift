import Access
import Audit
import Foundation
import Hummingbird
import Postgres
import Rules
import ServiceKit

/// The working-day calendar deadlines are counted in: anyone signed in reads a year's days off
/// and weekend days worked (`GET /v1/calendar?year=`); admins record each year's days as the
/// government announces them (`PUT /v1/calendar/{day}`).
struct CalendarRoutes: Sendable {
    let environment: ServiceEnvironment

    struct Year: ResponseCodable {
        let year: Int
        let items: [CalendarStore.Day]
    }

    func add(to routes: SecuredRoutes) {
        routes.on(
            .get, "/v1/calendar", .anyCaller, summary: "A year's public holidays and weekend days worked",
            query: [QueryParameter("year", .integer(2000...2100), "The year (default this year)")]
        ) { request, _, _ -> Year in
            let year = request.uri.queryParameters["year"].flatMap { Int($0) } ?? CalendarDate.today().year
            let days = try await environment.database.withConnection { try await CalendarStore(connection: $0).days(of: year) }
            return Year(year: year, items: days)
        }
        routes.on(
            .put, "/v1/calendar/{day}", .staff(.admin), summary: "Record a day off or a weekend day worked",
            body: .json(
                BodySchema.Field("working", .boolean, required: true, "false: a day off; true: a weekend day worked"),
                .text("name", maxLength: 200, required: true, "What the day is (Tết Nguyên đán, làm bù ...)")),
            pathParameters: [PathParameter("day", .date, "The day, YYYY-MM-DD")]
        ) { request, context, identity -> Response in
            guard let day = context.parameters.get("day").flatMap(CalendarDate.init), day.description == context.parameters.get("day") else {
                throw ProblemDetails.notFound("No day \(context.parameters.get("day") ?? ""); write it YYYY-MM-DD.")
            }
            let fields = try await JSONFields.body(of: request, context: context)
            try fields.finish()
            guard let working = fields.bool("working").value, let name = fields.string("name").value else {
                throw ProblemDetails.badRequest("invalid day")
            }
            try await environment.database.withTransaction { connection in
                try await CalendarStore(connection: connection).save(.init(day: day, working: working, name: name), by: identity.id)
                try await AuditLog.append(
                    AuditEntry(
                        identity, context, action: "change", resource: "calendar", resourceID: day.description,
                        detail: ["working": String(working)]), on: connection)
            }
            return Response(status: .noContent)
        }
    }
}
