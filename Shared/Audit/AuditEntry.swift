import Foundation

/// One line of the audit trail: who did what to which record, with what outcome.
///
/// Never put personal data in `detail`: ids, field names and counts only.
public struct AuditEntry: Sendable, Equatable {
    public enum ActorKind: String, Sendable, Codable { case account, apiKey = "api_key", system, anonymous }
    public enum Outcome: String, Sendable, Codable { case success, denied, failed }

    public var requestID: String?
    public var actorKind: ActorKind
    public var actorID: UUID?
    /// The username or key label at the time (accounts can be renamed).
    public var actorLabel: String?
    /// What was done: `read`, `create`, `update`, `login`, `logout`, `export`, ...
    public var action: String
    /// The kind of record: `person`, `account`, `api_key`, `session`, `audit`, ...
    public var resource: String
    public var resourceID: String?
    /// The person whose data was read or written, when there is one.
    public var personID: UUID?
    public var outcome: Outcome
    /// Non-personal particulars: changed field names, counts, a reason code.
    public var detail: [String: String]

    public init(
        requestID: String?, actorKind: ActorKind, actorID: UUID? = nil, actorLabel: String? = nil,
        action: String, resource: String, resourceID: String? = nil, personID: UUID? = nil,
        outcome: Outcome = .success, detail: [String: String] = [:]
    ) {
        self.requestID = requestID
        self.actorKind = actorKind
        self.actorID = actorID
        self.actorLabel = actorLabel
        self.action = action
        self.resource = resource
        self.resourceID = resourceID
        self.personID = personID
        self.outcome = outcome
        self.detail = detail
    }
}
