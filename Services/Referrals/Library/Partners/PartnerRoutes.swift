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
                if let province {
                    let known = try await connection.query(
                        "SELECT 1 FROM registry.admin_units WHERE generation = \(AdminUnitGeneration.current) AND level = 'province' AND code = \(province)"
                    )
                    guard !known.isEmpty else {
                        throw ProblemDetails.validation([.init(pointer: "/provinceCode", detail: "is not a province code of the 2025 list")])
                    }
                }
                let id = UUID()
                let rows = try await connection.query(
                    """
                    INSERT INTO referrals.partners (id, name, search_name, kind, province_code, phone, email, address, created_by)
                    VALUES (\(id), \(name), \(SearchText.fold(name)), \(kind.rawValue), \(province), \(phone), \(email), \(address), \(identity.id))
                    RETURNING \(sql: Partner.columns)
                    """)
                try await AuditLog.append(
                    AuditEntry(
                        identity, context, action: "create", resource: "partner", resourceID: id.uuidString.lowercased(),
                        detail: ["kind": kind.rawValue]), on: connection)
                return try Partner(row: rows[0])
            }
            return try Response.json(partner, status: .created, headers: [.location: "/v1/partners/\(partner.id.uuidString.lowercased())"])
        }

        routes.on(.get, "/v1/partners", .anyStaff, summary: "List partner organisations (?kind=&provinceCode=&q=&inactive=true)") {
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
            let rows = try await environment.database.query(
                """
                SELECT \(sql: Partner.columns) FROM referrals.partners
                WHERE (active OR \(inactive))
                  AND (\(kind)::text IS NULL OR kind = \(kind))
                  AND (\(province)::text IS NULL OR province_code = \(province) OR province_code IS NULL)
                  AND (\(search)::text IS NULL OR search_name LIKE '%' || \(search) || '%')
                ORDER BY search_name, id LIMIT \(limit)
                """)
            return Page(items: try rows.map(Partner.init(row:)))
        }

        routes.on(.get, "/v1/partners/{partnerId}", .anyStaff, summary: "Read a partner organisation") { _, context, _ -> Partner in
            let id = try context.parameters.uuid("partnerId")
            let rows = try await environment.database.query("SELECT \(sql: Partner.columns) FROM referrals.partners WHERE id = \(id)")
            guard let row = rows.first else { throw ProblemDetails.notFound("No partner organisation \(id).") }
            return try Partner(row: row)
        }

        routes.on(.post, "/v1/partners/{partnerId}/deactivate", .staff(.admin), summary: "Stop new referrals to a partner organisation") {
            _, context, identity -> Partner in
            let id = try context.parameters.uuid("partnerId")
            return try await environment.database.withTransaction { connection in
                let rows = try await connection.query(
                    """
                    UPDATE referrals.partners SET active = false, updated_at = now() WHERE id = \(id)
                    RETURNING \(sql: Partner.columns)
                    """)
                guard let row = rows.first else { throw ProblemDetails.notFound("No partner organisation \(id).") }
                try await AuditLog.append(
                    AuditEntry(
                        identity, context, action: "deactivate", resource: "partner", resourceID: id.uuidString.lowercased()), on: connection)
                return try Partner(row: row)
            }
        }
    }
}
