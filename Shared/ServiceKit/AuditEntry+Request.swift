import Access
import Audit
import Foundation

extension AuditEntry {
    /// An entry for something `identity` (nil: an anonymous caller) did in the request of `context`.
    public init(
        _ identity: Identity?, _ context: AppRequestContext, action: String, resource: String, resourceID: String? = nil,
        personID: UUID? = nil, outcome: Outcome = .success, detail: [String: String] = [:]
    ) {
        let kind: ActorKind
        switch identity {
        case .staff: kind = .account
        case .agency: kind = .apiKey
        case nil: kind = .anonymous
        }
        self.init(
            requestID: context.requestID, actorKind: kind, actorID: identity?.id, actorLabel: identity?.label,
            action: action, resource: resource, resourceID: resourceID, personID: personID, outcome: outcome, detail: detail)
    }
}
