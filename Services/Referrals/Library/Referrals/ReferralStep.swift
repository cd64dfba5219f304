import Foundation
import Postgres

/// One step of a referral's history: what was done, the status it led to, its day, why (a
/// decline or a drop) and the account that recorded it.
struct ReferralStep: Codable, Sendable, Equatable {
    let action: String
    let status: String
    let on: CalendarDate
    let reason: String?
    let recordedBy: UUID
    let recordedAt: Date
}
