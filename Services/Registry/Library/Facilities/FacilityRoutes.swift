import Access
import Audit
import EventBus
import Foundation
import Hummingbird
import Postgres
import RegistryContracts
import ServiceKit

/// Facilities: `GET /v1/facilities?provinceCode=&kind=&q=` and `GET /v1/facilities/{id}` for
/// any signed-in staff; `POST /v1/facilities` and `PATCH /v1/facilities/{id}` (with `If-Match`)
/// for admins, and `DELETE /v1/facilities/{id}`, which retires it (never erased). Changes are
/// audited and published as `registry.facility.saved`.
struct FacilityRoutes: Sendable {
    let environment: ServiceEnvironment
    let publisher: EventPublisher

    struct Page: ResponseCodable {
        let items: [Facility]
    }

    /// The checked fields of a facility; `current` supplies what a change leaves out.
    struct Input {
        var name: String
        var kind: String
        var ownership: String
        var provinceCode: String
        var communeCode: String?
        var address: String?
        var capacity: Int?
        var active: Bool

        /// The body of `POST /v1/facilities`; a change (`PATCH`) sends any of its fields.
        static let schema = BodySchema([
            .text("name", maxLength: 300, required: true),
            .oneOf("kind", Facility.kinds.sorted(), required: true),
            .oneOf("ownership", Facility.ownerships.sorted(), "public (default) or private"),
            BodySchema.Field("provinceCode", .formatted(.provinceCode), required: true, "A province of the 2025 list"),
            BodySchema.Field("communeCode", .formatted(.communeCode), "A commune of the 2025 list in that province"),
            .text("address", maxLength: 300),
            .integer("capacity", 0...100_000, "Beds or places"),
            .boolean("active", "false: retired (default true)"),
        ])

        static func read(_ fields: inout JSONFields, current: Facility?) -> Input? {
            let name = fields.string("name")
            let kind = fields.string("kind")
            let ownership = fields.string("ownership")
            let province = fields.string("provinceCode")
            let commune = fields.string("communeCode")
            let address = fields.string("address")
            let capacity = fields.integer("capacity")
            let active = fields.bool("active")
            if current != nil, case .null = name { fields.validator.add(fields.path("name"), "must not be empty") }
            guard fields.validator.errors.isEmpty else { return nil }
            func pick<T>(_ presence: JSONFields.Presence<T>, _ old: T?) -> T? {
                switch presence {
                case .value(let value): value
                case .null: nil
                case .absent: old
                }
            }
            return Input(
                name: name.value ?? current!.name, kind: kind.value ?? current!.kind,
                ownership: ownership.value ?? current?.ownership ?? "public", provinceCode: province.value ?? current!.provinceCode,
                communeCode: pick(commune, current?.communeCode), address: pick(address, current?.address),
                capacity: pick(capacity, current?.capacity), active: active.value ?? current?.active ?? true)
        }
    }

    func add(to routes: SecuredRoutes) {
        routes.on(
            .get, "/v1/facilities", .anyStaff,
            query: [
                QueryParameter("provinceCode", .formatted(.provinceCode), "A 2-digit province code"),
                QueryParameter("kind", values: Facility.kinds.sorted(), "Only facilities of this kind"),
                QueryParameter("q", "Name, with or without diacritics"),
            ]
        ) { request, _, _ -> Page in
            let query = request.uri.queryParameters
            let province = query["provinceCode"].map(String.init)
            let kind = query["kind"].map(String.init)
            let text = query["q"].map { SearchText.fold(String($0)) }
            return Page(
                items: try await environment.database.withConnection {
                    try await FacilityStore(connection: $0).list(province: province, kind: kind, text: text)
                })
        }
        routes.on(.get, "/v1/facilities/{id}", .anyStaff, answers: [Facility.self]) { _, context, _ -> Response in
            let id = try context.parameters.uuid("id")
            guard let facility = try await environment.database.withConnection({ try await FacilityStore(connection: $0).find(id) }) else {
                throw ProblemDetails.notFound("No facility \(id).")
            }
            return try Response.json(facility, headers: [.eTag: facility.etag])
        }
        routes.on(.post, "/v1/facilities", .staff(.admin), body: .json(Input.schema), answers: [Facility.self]) {
            request, context, identity -> Response in
            var fields = try await JSONFields.body(of: request, context: context)
            guard let input = Input.read(&fields, current: nil) else { try fields.finish(); throw ProblemDetails.badRequest("invalid facility") }
            let facility = try await save(input, id: UUID(), version: nil, identity, context)
            return try Response.json(
                facility, status: .created,
                headers: [
                    .eTag: facility.etag, .location: "/v1/facilities/\(facility.id.uuidString.lowercased())",
                ])
        }
        routes.on(.patch, "/v1/facilities/{id}", .staff(.admin), body: .json(Input.schema.allOptional), answers: [Facility.self]) {
            request, context, identity -> Response in
            let id = try context.parameters.uuid("id")
            let version = try request.requiredVersion()
            var fields = try await JSONFields.body(of: request, context: context)
            guard let current = try await environment.database.withConnection({ try await FacilityStore(connection: $0).find(id) }) else {
                throw ProblemDetails.notFound("No facility \(id).")
            }
            guard let input = Input.read(&fields, current: current) else { try fields.finish(); throw ProblemDetails.badRequest("invalid facility") }
            let facility = try await save(input, id: id, version: version, identity, context)
            return try Response.json(facility, headers: [.eTag: facility.etag])
        }
    }

    /// `DELETE /v1/facilities/{id}`: retires the facility (`active: false`). Facilities are never
    /// erased: accounts, episodes and statistics keep referring to them.
    func addRetirement(to routes: SecuredRoutes) {
        routes.on(.delete, "/v1/facilities/{id}", .staff(.admin), summary: "Retire a facility") { _, context, identity -> Response in
            let id = try context.parameters.uuid("id")
            try await environment.database.withTransaction { connection in
                guard let retired = try await FacilityStore(connection: connection).retire(id) else {
                    throw ProblemDetails.notFound("No active facility \(id).")
                }
                try await AuditLog.append(
                    AuditEntry(
                        identity, context, action: "retire", resource: "facility", resourceID: id.uuidString.lowercased()), on: connection)
                try await publisher.publish(FacilityEvents.Saved(retired), on: connection)
            }
            return Response(status: .noContent)
        }
    }

    /// Inserts (`version` nil) or updates at `version`; checks the units exist; audits and publishes.
    private func save(_ input: Input, id: UUID, version: Int?, _ identity: Identity, _ context: AppRequestContext) async throws -> Facility {
        try await environment.database.withTransaction { connection in
            var validator = FieldValidator()
            let units = AdminUnitStore(connection: connection)
            validator.require(try await units.provinceExists(input.provinceCode), "/provinceCode", "is not a province code of the 2025 list")
            if let commune = input.communeCode {
                validator.require(
                    try await units.province(ofCommune: commune) == input.provinceCode, "/communeCode",
                    "is not a 2025 commune of province \(input.provinceCode)")
            }
            try validator.finish()
            let store = FacilityStore(connection: connection)
            let facility: Facility
            if let version {
                guard let updated = try await store.update(id, with: input, at: version) else {
                    throw ProblemDetails.preconditionFailed("The facility changed since version \(version); read it again.")
                }
                facility = updated
            } else {
                facility = try await store.insert(input, id: id)
            }
            try await AuditLog.append(
                AuditEntry(
                    identity, context, action: version == nil ? "create" : "update", resource: "facility",
                    resourceID: id.uuidString.lowercased()), on: connection)
            try await publisher.publish(FacilityEvents.Saved(facility), on: connection)
            return facility
        }
    }
}
