import Access

/// What an endpoint requires of its caller; every secured endpoint declares one.
///
/// Roles decide *whether* a caller may use an endpoint (otherwise 403); the jurisdiction decides
/// *which records* it sees, checked by the endpoint's repository (out of scope: 404 for one record,
/// left out of lists).
public struct AccessRule: Sendable, Hashable {
    /// Staff roles allowed; empty when only API keys are.
    public let roles: Set<Role>
    /// Whether another agency's API key is accepted.
    public let allowsAgencyKeys: Bool

    public init(roles: Set<Role>, allowsAgencyKeys: Bool = false) {
        self.roles = roles
        self.allowsAgencyKeys = allowsAgencyKeys
    }

    /// Staff with one of `roles`.
    public static func staff(_ roles: Role...) -> AccessRule { AccessRule(roles: Set(roles)) }
    /// Any signed-in staff member.
    public static let anyStaff = AccessRule(roles: Set(Role.allCases))
    /// Any signed-in staff member or agency key.
    public static let anyCaller = AccessRule(roles: Set(Role.allCases), allowsAgencyKeys: true)

    /// Whether `identity` passes this rule.
    public func admits(_ identity: Identity) -> Bool {
        switch identity {
        case .staff(let staff): roles.contains(staff.role)
        case .agency: allowsAgencyKeys
        }
    }
}
