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

    struct Page: ResponseEncodable {
        let items: [Partner]
    }

    func add(to routes: SecuredRoutes) {
        routes.on(.post, "/v1/partners", .staff(.admin), summary: "Register a partner organisation") { request, context, identity -> Response in
            var fields = try await JSONFields.body(of: request, context: context)
            fields.refuseUnknown(["name", "kind", "provinceCode", "phone", "email", "address"])
            let name = fields.string("name", required: true, maxLength: 200).value
            let kindText = fields.string("kind", required: true, maxLength: 40).value
            let kind = kindText.flatMap(Partner.Kind.init(rawValue:))
            if kindText != nil, kind == nil {
                fields.validator.add(fields.path("kind"), "must be one of \(Partner.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let province = fields.string("provinceCode", maxLength: 2).value
            let phone = fields.string("phone", maxLength: 20).value
            if let phone, !ContactFormat.isPhone(phone) {
                fields.validator.add(fields.path("phone"), "must be a phone number of 8 to 20 digits")
            }
            let email = fields.string("email", maxLength: 200).value
            if let email, !ContactFormat.isEmail(email) { fields.validator.add(fields.path("email"), "must be an e-mail address") }
            let address = fields.string("address", maxLength: 500).value
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
                QueryParameter("provinceCode", "A province's partners and the national ones"),
                QueryParameter("q", "Name, with or without diacritics (2 to 100 letters or digits)"),
                QueryParameter("inactive", type: "boolean", "true: deactivated partners too"), .limit,
            ]
        ) {
            request, context, _ -> Page in
            let query = request.uri.queryParameters
            var validator = FieldValidator()
            let kind = query["kind"].map(String.init)
            if let kind, Partner.Kind(rawValue: kind) == nil {
                validator.add("?kind", "must be one of \(Partner.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let province = query["provinceCode"].map(String.init)
            if let province {
                validator.require(province.count == 2 && province.allSatisfy(\.isNumber), "?provinceCode", "must be a 2-digit province code")
            }
            let search = query["q"].map { SearchText.fold(String($0)) }
            if let search { validator.require(search.count >= 2 && search.count <= 100, "?q", "must have 2 to 100 letters or digits") }
            let inactive = query["inactive"] == "true"
            let limit = try query.limit(default: 100, maximum: 500)
            try validator.finish()
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
            .post, "/v1/partners/{partnerId}/deactivate", .staff(.admin), summary: "Stop new referrals to a partner organisation",
            responses: [200: "The partner organisation, deactivated"], bodyType: nil
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
