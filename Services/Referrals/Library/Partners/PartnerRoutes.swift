import Access
import Audit
import Foundation
import Hummingbird
import Postgres
import RegistryContracts
import ServiceKit

/// Partner organisations: admins register and deactivate them; every staff member may look them
/// up (officers choose one when referring someone). They hold no personal data.
struct PartnerRoutes: Sendable {
    let environment: ServiceEnvironment

    struct Page: ResponseCodable {
        let items: [Partner]
    }

    func add(to routes: SecuredRoutes) {
        routes.on(
            .post, "/v1/partners", .staff(.admin), summary: "Register a partner organisation",
            body: .json(
                .text("name", maxLength: 200, required: true), .oneOf("kind", Partner.Kind.allCases.map(\.rawValue), required: true),
                BodySchema.Field("provinceCode", .formatted(.provinceCode), "Its province (none: a national partner)"),
                BodySchema.Field("phone", .formatted(.phone, maxLength: 20)), BodySchema.Field("email", .formatted(.email, maxLength: 200)),
                .text("address", maxLength: 500)),
            answers: [Partner.self]
        ) { request, context, identity -> Response in
            let fields = try await JSONFields.body(of: request, context: context)
            let name = fields.string("name").value
            let kind = fields.string("kind").value.flatMap(Partner.Kind.init(rawValue:))
            let province = fields.string("provinceCode").value
            let phone = fields.string("phone").value
            let email = fields.string("email").value
            let address = fields.string("address").value
            try fields.finish()
            guard let name, let kind else { throw ProblemDetails.badRequest("invalid partner") }
            let partner = try await environment.database.withTransaction { connection -> Partner in
                let store = PartnerStore(connection: connection)
                if let province {
                    guard try await store.provinceExists(province) else {
                        throw ProblemDetails.validation([.init(pointer: "/provinceCode", detail: "is not a province code of the 2025 list")])
                    }
                }
                let id = UUID()
                let partner = try await store.insert(
                    id: id, name: name, kind: kind, province: province, phone: phone, email: email, address: address, by: identity.id)
                try await AuditLog.append(
                    AuditEntry(
                        identity, context, action: "create", resource: "partner", resourceID: id.uuidString.lowercased(),
                        detail: ["kind": kind.rawValue]), on: connection)
                return partner
            }
            return try Response.json(partner, status: .created, headers: [.location: "/v1/partners/\(partner.id.uuidString.lowercased())"])
        }

        routes.on(
            .get, "/v1/partners", .anyStaff, summary: "List partner organisations",
            query: [
                QueryParameter("kind", values: Partner.Kind.allCases.map(\.rawValue), "Only partners of this kind"),
                QueryParameter("provinceCode", .formatted(.provinceCode), "A province's partners and the national ones"),
                QueryParameter(
                    "q", .formatted(.searchText(letters: 2...100), maxLength: 300), "Name, with or without diacritics (2 to 100 letters or digits)"),
                .boolean("inactive", "true: deactivated partners too"), .limit(maximum: 500),
            ]
        ) {
            request, context, _ -> Page in
            let query = request.uri.queryParameters
            let kind = query["kind"].map(String.init)
            let province = query["provinceCode"].map(String.init)
            let search = query["q"].map { SearchText.fold(String($0)) }
            let inactive = query["inactive"] == "true"
            let limit = query.limit(default: 100)
            // A province's own partners and the national ones.
            return Page(
                items: try await environment.database.withConnection {
                    try await PartnerStore(connection: $0).list(
                        kind: kind, province: province, search: search, includeInactive: inactive, limit: limit)
                })
        }

        routes.on(.get, "/v1/partners/{partnerId}", .anyStaff, summary: "Read a partner organisation") { _, context, _ -> Partner in
            let id = try context.parameters.uuid("partnerId")
            guard let partner = try await environment.database.withConnection({ try await PartnerStore(connection: $0).find(id) }) else {
                throw ProblemDetails.notFound("No partner organisation \(id).")
            }
            return partner
        }

        routes.on(
            .patch, "/v1/partners/{partnerId}", .staff(.admin), summary: "Change a partner organisation's name, kind or contact",
            responses: [200: "The partner organisation as it is now"],
            body: .json(
                .text("name", maxLength: 200), .oneOf("kind", Partner.Kind.allCases.map(\.rawValue)),
                BodySchema.Field("provinceCode", .formatted(.provinceCode), "Its province (null: a national partner)"),
                BodySchema.Field("phone", .formatted(.phone, maxLength: 20)), BodySchema.Field("email", .formatted(.email, maxLength: 200)),
                .text("address", maxLength: 500)),
            answers: [Partner.self]
        ) { request, context, identity -> Partner in
            let id = try context.parameters.uuid("partnerId")
            let fields = try await JSONFields.body(of: request, context: context)
            var validator = fields.validator
            var assignments: [SQLFragment] = []
            if case .value(let name) = fields.string("name") { assignments += ["name = \(name)", "search_name = \(SearchText.fold(name))"] }
            if fields.has("name"), fields.string("name").value == nil { validator.add("/name", "must not be empty") }
            if case .value(let kind) = fields.string("kind") { assignments.append("kind = \(kind)") }
            if fields.has("kind"), fields.string("kind").value == nil { validator.add("/kind", "must not be empty") }
            let province = fields.string("provinceCode").value
            if fields.has("provinceCode") { assignments.append("province_code = \(province)") }
            let contacts: [(String, StaticString)] = [("phone", "phone"), ("email", "email"), ("address", "address")]
            for (name, column) in contacts where fields.has(name) {
                assignments.append("\(sql: column) = \(fields.string(name).value)")
            }
            validator.require(!assignments.isEmpty, "/", "send at least one field to change")
            try validator.finish()
            return try await environment.database.withTransaction { connection in
                let store = PartnerStore(connection: connection)
                if let province, !(try await store.provinceExists(province)) {
                    throw ProblemDetails.validation([.init(pointer: "/provinceCode", detail: "is not a province code of the 2025 list")])
                }
                guard let partner = try await store.update(id, assignments) else { throw ProblemDetails.notFound("No partner organisation \(id).") }
                try await AuditLog.append(
                    AuditEntry(identity, context, action: "update", resource: "partner", resourceID: id.lowercasedString), on: connection)
                return partner
            }
        }

        routes.on(
            .post, "/v1/partners/{partnerId}/deactivate", .staff(.admin), summary: "Stop new referrals to a partner organisation",
            responses: [200: "The partner organisation, deactivated"]
        ) {
            _, context, identity -> Partner in
            let id = try context.parameters.uuid("partnerId")
            return try await environment.database.withTransaction { connection in
                guard let partner = try await PartnerStore(connection: connection).deactivate(id) else {
                    throw ProblemDetails.notFound("No partner organisation \(id).")
                }
                try await AuditLog.append(
                    AuditEntry(
                        identity, context, action: "deactivate", resource: "partner", resourceID: id.uuidString.lowercased()), on: connection)
                return partner
            }
        }
    }
}
