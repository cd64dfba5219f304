import Access
import Postgres
import ServiceKit

/// Which people a caller may see: admins everyone; a province officer those resident in the
/// province; a commune officer those resident in the commune; facility staff those with an open
/// treatment episode at their facility (learnt from the treatment service's events); other roles none.
enum PersonScope {
    /// Roles that may use person endpoints at all (the rest get 403).
    static let roles: Set<Role> = [.admin, .provinceOfficer, .communeOfficer, .facilityStaff]

    /// A condition on `registry.people p` true for the people `identity` may see.
    static func condition(_ identity: Identity) -> SQLFragment {
        if case .staff(let staff) = identity, staff.role == .facilityStaff, case .facility(let id) = staff.jurisdiction {
            return """
                EXISTS (SELECT 1 FROM registry.facility_episodes fe
                        WHERE fe.person_id = p.id AND fe.facility_id = \(id) AND fe.ended_on IS NULL)
                """
        }
        return area(identity, province: "p.residence_province_code", commune: "p.residence_commune_code")
    }

    /// A condition on a change record `c` joined to its commune `u`: true for the changes made
    /// while the person lived in the caller's jurisdiction (what a former commune keeps seeing).
    static func pastResidence(_ identity: Identity) -> SQLFragment {
        area(identity, province: "u.province_code", commune: "c.commune_code")
    }

    /// True for rows whose `province` and `commune` columns lie in the caller's area: everything
    /// for admins, the province for a province officer, the commune for a commune officer, nothing
    /// for other roles. (Programme records and people share it.)
    static func area(_ identity: Identity, province: StaticString, commune: StaticString) -> SQLFragment {
        AreaScope.condition(identity, province: province, commune: commune)
    }

    /// Whether `identity` may register or move someone into `commune` of `province`.
    static func mayPlace(_ identity: Identity, commune: String, province: String) -> Bool {
        guard case .staff(let staff) = identity else { return false }
        switch (staff.role, staff.jurisdiction) {
        case (.admin, _): return true
        case (.provinceOfficer, .province(let code)): return code == province
        case (.communeOfficer, .commune(let code)): return code == commune
        default: return false
        }
    }
}
