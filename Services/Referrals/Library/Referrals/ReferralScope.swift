import Access
import Postgres
import ServiceKit

/// Which referrals a caller may see, as conditions on `referrals.referrals r` joined to the
/// person's current contact row `c`.
///
/// Admins see all; a province or commune officer those of people now living in the area, and
/// those made while the person lived there (a commune keeps what it wrote after a move); a
/// partner only those addressed to its organisation. Other roles see none.
enum ReferralScope {
    /// Roles that may read referrals at all.
    static let readers: Set<Role> = [.admin, .provinceOfficer, .communeOfficer, .referralPartner]
    /// Roles that refer people and withdraw referrals.
    static let officers: Set<Role> = [.admin, .provinceOfficer, .communeOfficer]
    /// Roles that answer referrals and report outcomes (an admin may, for a partner without an account).
    static let responders: Set<Role> = [.admin, .referralPartner]

    static func condition(_ identity: Identity) -> SQLFragment {
        guard case .staff(let staff) = identity else { return "FALSE" }
        switch (staff.role, staff.jurisdiction) {
        case (.admin, _): return "TRUE"
        // A proposal is the referring side's until it is sent.
        case (.referralPartner, .partner(let id)): return "r.partner_id = \(id) AND r.status <> 'proposed'"
        default:
            // Where the person lives now, or where they lived when referred.
            return "(\(person(identity)) OR \(AreaScope.condition(identity, province: "r.province_code", commune: "r.commune_code")))"
        }
    }

    /// A condition on the contact row `c`: the person now lives in the officer's area.
    static func person(_ identity: Identity) -> SQLFragment {
        AreaScope.condition(identity, province: "c.province_code", commune: "c.commune_code")
    }

    /// Whether the caller gets the partner's view.
    static func isPartner(_ identity: Identity) -> Bool {
        if case .staff(let staff) = identity { return staff.role == .referralPartner }
        return false
    }
}
