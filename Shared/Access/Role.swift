/// What a staff account may do; together with its `Jurisdiction`, what it may see.
public enum Role: String, Sendable, Codable, CaseIterable, Hashable {
    /// Accounts, reference data, everything in the system.
    case admin
    /// Everything about people resident in one province; plan targets there.
    case provinceOfficer = "province_officer"
    /// People resident in one commune: registration, records, community treatment, after-care.
    case communeOfficer = "commune_officer"
    /// People with an episode at one facility, while that episode is relevant.
    case facilityStaff = "facility_staff"
    /// One partner organisation: only the referrals addressed to it, with minimal personal data.
    case referralPartner = "referral_partner"
    /// The audit trail, read-only.
    case auditor

    /// The kind of jurisdiction an account of this role must have.
    public var jurisdictionKind: Jurisdiction.Kind {
        switch self {
        case .admin, .auditor: .national
        case .provinceOfficer: .province
        case .communeOfficer: .commune
        case .facilityStaff: .facility
        case .referralPartner: .partner
        }
    }
}

extension Role {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let role = Role(rawValue: text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "must be one of \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self = role
    }
}
