import Foundation

/// Who is asking: a signed-in staff member, or another agency's API key.
public enum Identity: Sendable, Hashable {
    case staff(StaffIdentity)
    case agency(AgencyIdentity)

    /// The account or key id, as recorded in the audit trail.
    public var id: UUID {
        switch self {
        case .staff(let staff): staff.accountID
        case .agency(let agency): agency.keyID
        }
    }

    /// The username or key label, as recorded in the audit trail.
    public var label: String {
        switch self {
        case .staff(let staff): staff.username
        case .agency(let agency): agency.label
        }
    }
}

/// A staff account signed in with a bearer token.
public struct StaffIdentity: Sendable, Hashable {
    public let accountID: UUID
    /// The session the token belongs to (revoked by logout).
    public let sessionID: UUID
    public let username: String
    public let role: Role
    public let jurisdiction: Jurisdiction
    public let expiresAt: Date

    public init(accountID: UUID, sessionID: UUID, username: String, role: Role, jurisdiction: Jurisdiction, expiresAt: Date) {
        self.accountID = accountID
        self.sessionID = sessionID
        self.username = username
        self.role = role
        self.jurisdiction = jurisdiction
        self.expiresAt = expiresAt
    }
}

/// Another agency's API key: aggregate statistics of one area, for one declared purpose.
public struct AgencyIdentity: Sendable, Hashable {
    public let keyID: UUID
    public let label: String
    public let purpose: String
    /// The province (2 digits) or commune (5 digits) code the key is bound to; nil for the whole country.
    public let areaCode: String?

    public init(keyID: UUID, label: String, purpose: String, areaCode: String?) {
        self.keyID = keyID
        self.label = label
        self.purpose = purpose
        self.areaCode = areaCode
    }
}
