import Foundation
import Hummingbird
import Postgres

/// A follow-up of a placement or a loan, due 3, 6 or 12 months after it (the same day of the
/// month, or the month's last day when it has none: 30 November + 3 months is 29 February in a
/// leap year).
struct FollowUp: ResponseCodable, Sendable {
    /// Months after the placement or disbursement.
    static let schedule = [3, 6, 12]

    enum Repayment: String, Codable, Sendable, CaseIterable {
        case onSchedule = "on_schedule"
        case late, repaid
        case writtenOff = "written_off"
    }

    let id: UUID
    let referralId: UUID
    /// Officers only (a partner knows the person by the referral, not by id or residence).
    let personId: UUID?
    let partnerId: UUID
    /// vocational_training, job or loan.
    let kind: String
    let months: Int
    let dueOn: CalendarDate
    /// Negative when overdue.
    let daysLeft: Int
    let doneOn: CalendarDate?
    let stillEmployed: Bool?
    let wageVnd: Int?
    let repayment: Repayment?
    let note: String?
    /// Where the person lived when referred (officers only).
    let communeCode: String?
    let provinceCode: String?

    /// What a partner organisation sees: no person id, no residence.
    var partnerView: FollowUp {
        FollowUp(
            id: id, referralId: referralId, personId: nil, partnerId: partnerId, kind: kind, months: months, dueOn: dueOn, daysLeft: daysLeft,
            doneOn: doneOn, stillEmployed: stillEmployed, wageVnd: wageVnd, repayment: repayment, note: note, communeCode: nil, provinceCode: nil)
    }
}
