import Access
import Foundation
import Hummingbird

/// `GET /v1/auth/me` on every service: who the token belongs to, as this service sees it.
enum IdentityRoutes {
    struct Me: ResponseCodable {
        let kind: String
        let id: UUID
        let label: String
        let role: Role?
        let jurisdiction: Jurisdiction?
        let purpose: String?
        let areaCode: String?
        let expiresAt: Date?
    }

    static func add(to routes: SecuredRoutes) {
        routes.on(.get, "/v1/auth/me", .anyCaller) { _, _, identity -> Me in
            switch identity {
            case .staff(let staff):
                Me(
                    kind: "staff", id: staff.accountID, label: staff.username, role: staff.role,
                    jurisdiction: staff.jurisdiction, purpose: nil, areaCode: nil, expiresAt: staff.expiresAt)
            case .agency(let agency):
                Me(
                    kind: "agency", id: agency.keyID, label: agency.label, role: nil, jurisdiction: nil,
                    purpose: agency.purpose, areaCode: agency.areaCode, expiresAt: nil)
            }
        }
    }
}
