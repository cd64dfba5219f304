import Access
import ContractValues
import Postgres
import ServiceKit

/// Who sees and who changes an episode. Officers see the episodes of people living in their
/// jurisdiction (province officers read only); facility staff those at their facility, and those
/// that passed through it (what they recorded stays readable after a transfer). Changes:
/// the facility runs its own episodes (admission, stages, reductions, transfers, discharge); the
/// commune runs treatment at family or community and may cancel an episode at a facility that has
/// not begun; admins anything.
enum EpisodeScope {
    /// True for rows of `treatment.episodes e` the caller may see.
    static func visible(_ identity: Identity) -> SQLFragment {
        if case .staff(let staff) = identity, staff.role == .facilityStaff, case .facility(let facility) = staff.jurisdiction {
            return """
                (e.facility_id = \(facility)
                 OR EXISTS (SELECT 1 FROM treatment.episode_placements pl WHERE pl.episode_id = e.id AND pl.facility_id = \(facility)))
                """
        }
        return AreaScope.condition(identity, province: "e.province_code", commune: "e.commune_code")
    }

    /// Whether `identity` may take `action` on `episode` (which it can see).
    static func mayChange(_ identity: Identity, _ episode: Episode, action: String) -> Bool {
        guard case .staff(let staff) = identity else { return false }
        switch (staff.role, staff.jurisdiction) {
        case (.admin, _):
            return true
        case (.facilityStaff, .facility(let facility)):
            return episode.facilityId == facility
        case (.communeOfficer, .commune(let code)):
            guard episode.communeCode == code else { return false }
            return !episode.form.atFacility || (episode.status == .planned && action == "discontinue")
        default:
            return false
        }
    }

    /// Roles that may call the endpoints changing episodes (each episode then checks `mayChange`).
    static let changers = AccessRule.staff(.admin, .communeOfficer, .facilityStaff)
    /// Roles that may read episodes.
    static let readers = AccessRule.staff(.admin, .provinceOfficer, .communeOfficer, .facilityStaff)
    /// Roles that may open an episode for a person of their jurisdiction.
    static let openers = AccessRule.staff(.admin, .communeOfficer)
}
