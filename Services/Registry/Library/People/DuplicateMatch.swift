import Access
import Audit
import Foundation
import Postgres
import ServiceKit

/// A registered person matching one being written (the same national id, or likely the same
/// person by name and birth year). Duplicates are caught nationally, but a caller learns a
/// match's id only when they may see that person; of anyone else they learn only that the person
/// is registered elsewhere and how to have the record transferred, and the match is an audit
/// entry naming the person.
struct DuplicateMatch: Sendable, Equatable {
    let person: UUID
    /// Whether the caller may see the person.
    let visible: Bool

    /// The audit entry of a match outside the caller's jurisdiction (`by`: what matched).
    func auditEntry(_ identity: Identity, _ context: AppRequestContext, by: String) -> AuditEntry {
        AuditEntry(
            identity, context, action: "match", resource: "person", resourceID: person.lowercasedString, personID: person,
            outcome: .denied, detail: ["matchedBy": by])
    }

    /// The 409 for a national id another person holds: with their record's address when the
    /// caller may see it, else only where to turn.
    func nationalIDConflict() -> ProblemDetails {
        guard visible else { return Self.registeredElsewhere }
        let location = "/v1/people/\(person.lowercasedString)"
        return ProblemDetails.conflict(
            "A person with this national id is already registered: \(location)", type: "duplicate-national-id", location: location)
    }

    /// A national id registered outside the caller's jurisdiction: no id, no place.
    static let registeredElsewhere = ProblemDetails.conflict(
        "A person with this national id is already registered outside your jurisdiction, and a person is registered only once. "
            + "If they now live in your area, ask your province's office (or the commune where they were registered) to move "
            + "their record to your commune (POST /v1/people/{id}/moves).",
        type: "registered-elsewhere")
}
