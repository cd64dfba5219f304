import Access
import Audit
import Foundation
import Hummingbird
import Postgres
import ServiceKit

/// Plan targets: admins and province officers set them for their province, its communes and the
/// former districts whose communes went into it (`PUT /v1/targets/{indicatorId}/{areaCode}/{year}`); officers read those of their area
/// (`GET /v1/targets`). Each value of `GET /v1/indicators/{id}/values` comes with its target, the
/// gap and the status (`Target`). Setting one is audited.
struct TargetRoutes: Sendable {
    let environment: ServiceEnvironment

    struct Page: ResponseCodable {
        let items: [Target]
    }

    static let setters = AccessRule.staff(.admin, .provinceOfficer)
    static let readers = AccessRule.staff(.admin, .provinceOfficer, .communeOfficer)

    func add(to routes: SecuredRoutes) {
        routes.on(
            .put, "/v1/targets/{indicatorId}/{areaCode}/{year}", Self.setters,
            summary: "Set the plan target of an indicator for a unit and a year",
            responses: [200: "The target as set", 403: "A unit outside the caller's province", 404: "No such indicator or unit"],
            body: .json(
                BodySchema.Field("minimum", .number, "The lowest value the plan accepts (percent for a share, people for a count)"),
                BodySchema.Field("maximum", .number, "The highest value the plan accepts (a ceiling: a relapse rate's change of at most -5)"),
                .text("note", maxLength: 500, "The plan it comes from")),
            answers: [Target.self],
            pathParameters: [
                PathParameter("indicatorId", values: IndicatorCatalogue.all.map(\.id), "The indicator"),
                PathParameter(
                    "areaCode", .formatted(.unitCode),
                    "A province (2 digits) or commune (5 digits) of the 2025 list, or a former district (3 digits) of the list before"),
                PathParameter("year", .integer(2000...2100), "The plan's year"),
            ]
        ) { request, context, identity -> Target in
            let id = context.parameters.get("indicatorId") ?? ""
            guard let indicator = IndicatorCatalogue.indicator(id) else { throw ProblemDetails.notFound("No indicator \(id).") }
            let areaCode = context.parameters.get("areaCode") ?? ""
            guard let year = context.parameters.get("year").flatMap({ Int($0) }), (2000...2100).contains(year) else {
                throw ProblemDetails.notFound("No year \(context.parameters.get("year") ?? "") of plans.")
            }
            let fields = try await JSONFields.body(of: request, context: context)
            var validator = fields.validator
            let minimum = fields.number("minimum").value
            let maximum = fields.number("maximum").value
            validator.require(minimum != nil || maximum != nil, "/minimum", "give a minimum, a maximum or both")
            if let minimum, let maximum { validator.require(minimum <= maximum, "/maximum", "must not be below the minimum") }
            let range: ClosedRange<Double> =
                switch indicator.kind {
                case .share: 0...100
                case .change: -100...10_000
                case .count, .amount: 0...1e12
                }
            for (name, value) in [("minimum", minimum), ("maximum", maximum)] {
                if let value { validator.require(range.contains(value), "/\(name)", "must be from \(range.lowerBound) to \(range.upperBound)") }
            }
            try validator.finish()
            let target = Target(indicator: id, areaCode: areaCode, year: year, minimum: minimum, maximum: maximum, note: fields.string("note").value)
            try await environment.database.withTransaction { connection in
                let store = TargetStore(connection: connection)
                if areaCode.utf8.count == 3, areaCode.utf8.allSatisfy({ (0x30...0x39).contains($0) }) {
                    // A former district: a province's officer sets targets for those whose communes went into the province.
                    guard let provinces = try await store.provinces(ofDistrict: areaCode) else {
                        throw ProblemDetails.notFound("No district \(areaCode) in the list before 2025.")
                    }
                    if let bound = ExportArea.bound(of: identity), !provinces.contains(bound) {
                        throw ProblemDetails.forbidden("You may set targets only for area \(bound) and the units inside it.")
                    }
                } else {
                    do {
                        _ = try await ExportArea.resolve(requested: areaCode, for: identity, on: connection)
                    } catch let problem as ProblemDetails where problem.statusCode == 422 {
                        throw ProblemDetails.notFound("No unit \(areaCode) in the 2025 list.")
                    }
                }
                try await store.save(target, by: identity.id)
                try await AuditLog.append(
                    AuditEntry(
                        identity, context, action: "set", resource: "target", resourceID: "\(id)/\(areaCode)/\(year)",
                        detail: ["minimum": minimum.map { String($0) } ?? "", "maximum": maximum.map { String($0) } ?? ""]), on: connection)
            }
            return target
        }

        routes.on(
            .get, "/v1/targets", Self.readers, summary: "The plan targets of a year in the caller's area",
            query: [
                QueryParameter("year", .integer(2000...2100), "The plan's year (default this year)"),
                QueryParameter("areaCode", .formatted(.unitCode), "A province or commune of the caller's area"),
            ]
        ) { request, _, identity -> Page in
            let query = request.uri.queryParameters
            let year = query["year"].flatMap { Int($0) } ?? CalendarDate.today().year
            let requested = query["areaCode"].map(String.init)
            return Page(
                items: try await environment.database.withConnection { connection in
                    let area = try await ExportArea.resolve(requested: requested, for: identity, on: connection)
                    return try await TargetStore(connection: connection).targets(years: year...year, area: area)
                })
        }
    }
}
