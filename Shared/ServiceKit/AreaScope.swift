import Access
import Postgres

/// The part of the country a caller's records come from, as SQL: what every service uses to keep
/// officers to their jurisdiction.
public enum AreaScope {
    /// True for rows whose `province` and `commune` columns lie in the caller's area: every row
    /// for admins, the province for a province officer, the commune for a commune officer, none
    /// for other roles and for agency keys.
    public static func condition(_ identity: Identity, province: StaticString, commune: StaticString) -> SQLFragment {
        guard case .staff(let staff) = identity else { return "FALSE" }
        switch (staff.role, staff.jurisdiction) {
        case (.admin, _): return "TRUE"
        case (.provinceOfficer, .province(let code)): return "\(sql: province) = \(code)"
        case (.communeOfficer, .commune(let code)): return "\(sql: commune) = \(code)"
        default: return "FALSE"
        }
    }
}
