import Access
import Postgres
import RegistryContracts
import ServiceKit

/// The area an export covers: what the caller asked for (`?areaCode=`), within what the caller is
/// bound to (an agency key's area, a province or commune officer's jurisdiction; admins and
/// national keys the whole country). Asking outside it is a 403 naming the bound.
struct ExportArea: Sendable {
    /// nil: the whole country; 2 digits: a province; 5 digits: a commune.
    let code: String?

    var isCommune: Bool { code?.count == 5 }

    /// The area `identity` is bound to.
    static func bound(of identity: Identity) -> String? {
        switch identity {
        case .agency(let agency): return agency.areaCode
        case .staff(let staff):
            switch staff.jurisdiction {
            case .province(let code), .commune(let code): return code
            default: return nil
            }
        }
    }

    /// Resolves `requested` against the caller's bound; a commune's province is read from the
    /// 2025 administrative units.
    static func resolve(requested: String?, for identity: Identity, on connection: PostgresConnection) async throws -> ExportArea {
        let bound = Self.bound(of: identity)
        guard let requested else { return ExportArea(code: bound) }
        guard (requested.count == 2 || requested.count == 5), requested.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw ProblemDetails.validation([.init(pointer: "?areaCode", detail: "must be a province (2 digits) or commune (5 digits) code")])
        }
        let level = requested.count == 2 ? "province" : "commune"
        let rows = try await connection.query(
            "SELECT province_code FROM registry.admin_units WHERE generation = \(AdminUnitGeneration.current) AND level = \(level) AND code = \(requested)"
        )
        guard let province = try rows.first?.decode(String.self, at: 0) else {
            throw ProblemDetails.validation([.init(pointer: "?areaCode", detail: "is not a \(level) code of the 2025 list")])
        }
        let inside: Bool
        switch bound {
        case nil: inside = true
        case let code? where code.count == 2: inside = requested == code || province == code
        case let code?: inside = requested == code
        }
        guard inside else {
            throw ProblemDetails.forbidden("You may export statistics only for area \(bound ?? "") and the units inside it.")
        }
        return ExportArea(code: requested)
    }

    /// True for rows whose `province` and `commune` columns lie in the area.
    func condition(province: StaticString, commune: StaticString) -> SQLFragment {
        switch code {
        case nil: return "TRUE"
        case let code? where code.count == 2: return "\(sql: province) = \(code)"
        case let code?: return "\(sql: commune) = \(code)"
        }
    }
}
