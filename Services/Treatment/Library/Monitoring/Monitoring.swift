import Foundation
import Hummingbird
import Postgres

/// Electronic monitoring ordered by the commune police (Law 120/2025), as recorded.
struct Monitoring: ResponseCodable, Sendable {
    let id: UUID
    let personId: UUID
    /// episode (treatment at family or community, substitution therapy) or aftercare.
    let during: String
    /// The episode or after-care it accompanies.
    let recordId: UUID
    let device: String
    let startsOn: CalendarDate
    let endsOn: CalendarDate
    let reason: String
    let decisionNumber: String
    let regime: String
    let recordedAt: Date
}

/// Substances a person declared having used (Law 120/2025: to the commune police).
struct SubstanceDeclaration: ResponseCodable, Sendable {
    let id: UUID
    let personId: UUID
    let declaredOn: CalendarDate
    let substances: [String]
    let note: String?
    /// The regime in force that day.
    let regime: String
    let recordedAt: Date
}
