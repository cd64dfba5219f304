import Access
import Audit
import EventBus
import Foundation
import Hummingbird
import Postgres
import RegistryContracts
import ServiceKit

/// Community programmes: `POST /v1/programmes/{kind}` and `GET /v1/programmes/{kind}?communeCode=&from=&to=`
/// for `campaign`, `aftercare-model`, `group`, `drug-free`, `training` and `workforce` (see `ProgrammeKind`).
/// Commune officers record and read their commune's, province officers their province's, admins all.
struct ProgrammeRoutes: Sendable {
    let environment: ServiceEnvironment
    let publisher: EventPublisher

    struct Record: Codable, Sendable {
        let id: UUID
        let kind: String
        let communeCode: String
        let provinceCode: String
        let onDate: String
        let details: JSONValue
        let createdAt: Date
    }

    struct Page: ResponseCodable {
        let items: [Record]
    }

    static let rule = AccessRule.staff(.admin, .provinceOfficer, .communeOfficer)
    static let kindParameter = PathParameter("kind", values: ProgrammeKind.allCases.map(\.rawValue), "The kind of programme record")

    /// Records of the caller's jurisdiction (`r` is `registry.programme_records`).
    static func visible(_ identity: Identity) -> SQLFragment {
        PersonScope.area(identity, province: "r.province_code", commune: "r.commune_code")
    }

    static func kind(_ context: AppRequestContext) throws -> ProgrammeKind {
        guard let kind = context.parameters.get("kind").flatMap(ProgrammeKind.init(rawValue:)) else {
            throw ProblemDetails.notFound(
                "No programme kind '\(context.parameters.get("kind") ?? "")'; kinds: \(ProgrammeKind.allCases.map(\.rawValue).joined(separator: ", "))."
            )
        }
        return kind
    }

    func add(to routes: SecuredRoutes) {
        routes.on(
            .post, "/v1/programmes/{kind}", Self.rule, summary: "Record a community programme",
            responses: [409: "The commune already has a drug-free recognition for that year, or a workforce declaration for that year on that day"],
            body: ProgrammeKind.body,
            answers: [Record.self], pathParameters: [Self.kindParameter]
        ) { request, context, identity -> Response in
            let kind = try Self.kind(context)
            var fields = try await JSONFields.body(of: request, context: context)
            let today = CalendarDate.today()
            let commune = fields.string("communeCode").value
            let checked = kind.read(&fields, today: today)
            try fields.finish()
            guard let commune, let checked else { throw ProblemDetails.badRequest("invalid programme record") }
            let record = try await environment.database.withTransaction { connection -> Record in
                guard let province = try await AdminUnitStore(connection: connection).province(ofCommune: commune) else {
                    throw ProblemDetails.validation([.init(pointer: "/communeCode", detail: "is not a commune code of the 2025 list")])
                }
                guard PersonScope.mayPlace(identity, commune: commune, province: province) else {
                    throw ProblemDetails.forbidden("You may record programmes only in your own jurisdiction.")
                }
                let id = UUID()
                let created = try await ProgrammeStore(connection: connection).insert(
                    id: id, kind: kind, commune: commune, province: province, onDate: checked.onDate, details: checked.details, by: identity.id)
                try await AuditLog.append(
                    AuditEntry(
                        identity, context, action: "create", resource: "programme", resourceID: id.uuidString.lowercased(),
                        detail: ["kind": kind.rawValue, "commune": commune]), on: connection)
                var count: Int?
                if case .number(let reached)? = checked.details["peopleReached"] { count = Int(reached) }
                if case .array(let members)? = checked.details["members"] { count = members.count }
                if case .number(let workers)? = checked.details["workers"] { count = Int(workers) }
                var year: Int?
                if case .number(let value)? = checked.details["year"] { year = Int(value) }
                var groupType: String?
                if case .string(let value)? = checked.details["groupType"] { groupType = value }
                var until: CalendarDate?
                if case .string(let value)? = checked.details["until"] { until = CalendarDate(value) }
                try await publisher.publish(
                    ProgrammeEvents.Recorded(
                        recordId: id, kind: kind.rawValue, communeCode: commune, provinceCode: province, onDate: checked.onDate,
                        count: count, groupType: groupType, year: year, until: until), on: connection)
                return Record(
                    id: id, kind: kind.rawValue, communeCode: commune, provinceCode: province, onDate: checked.onDate.description,
                    details: .object(checked.details), createdAt: created)
            }
            return try Response.json(record, status: .created, headers: [.location: "/v1/programmes/\(kind.rawValue)?communeCode=\(commune)"])
        }
        routes.on(
            .get, "/v1/programmes/{kind}", Self.rule, summary: "List community programme records",
            query: [
                QueryParameter("communeCode", .formatted(.communeCode), "A 5-digit commune code"), .date("from", "Records on or after this day"),
                .date("to", "Records on or before this day"),
            ],
            pathParameters: [Self.kindParameter]
        ) { request, context, identity -> Page in
            let kind = try Self.kind(context)
            let query = request.uri.queryParameters
            let commune = query["communeCode"].map(String.init)
            let from = query["from"].flatMap(CalendarDate.init)
            let to = query["to"].flatMap(CalendarDate.init)
            return Page(
                items: try await environment.database.withConnection {
                    try await ProgrammeStore(connection: $0).list(kind: kind, visible: Self.visible(identity), commune: commune, from: from, to: to)
                })
        }
    }
}
