import ContractValues
import EventBus
import Foundation
import Postgres

/// Each step of a referral and each follow-up, for the statistics service: counts and amounts by
/// area and period, never names.
extension ReferralEvents {
    /// A referral took a step (sent, enrolled, hired, approved, completed, employed, disbursed,
    /// dropped), with the figures statistics count: a wage, a loan's amount.
    public struct StepRecorded: EventContract, Equatable {
        public static let type = "referrals.referral.step_recorded"
        public static let version = 1
        public static let topic = ReferralEvents.topic
        public static let summary = "A referral took a step of its flow (sent, enrolled, hired, approved, completed, employed, disbursed, dropped)."

        public let referralId: UUID
        public let personId: UUID
        public let partnerId: UUID
        public let kind: ReferralKind
        /// The action (send, enrol, hire, approve, complete, employ, disburse, drop).
        public let step: String
        public let status: ReferralStatus
        public let on: CalendarDate
        /// A job's monthly wage, in đồng.
        public let wageVnd: Int?
        /// A loan's amount, in đồng.
        public let amountVnd: Int?
        public let communeCode: String
        public let provinceCode: String
        public var key: String { personId.lowercasedString }

        public init(
            referralId: UUID, personId: UUID, partnerId: UUID, kind: ReferralKind, step: String, status: ReferralStatus, on: CalendarDate,
            wageVnd: Int?, amountVnd: Int?, communeCode: String, provinceCode: String
        ) {
            self.referralId = referralId
            self.personId = personId
            self.partnerId = partnerId
            self.kind = kind
            self.step = step
            self.status = status
            self.on = on
            self.wageVnd = wageVnd
            self.amountVnd = amountVnd
            self.communeCode = communeCode
            self.provinceCode = provinceCode
        }
    }

    /// A follow-up 3, 6 or 12 months after a placement or a disbursement was recorded.
    public struct FollowUpRecorded: EventContract, Equatable {
        public static let type = "referrals.follow_up.recorded"
        public static let version = 1
        public static let topic = ReferralEvents.topic
        public static let summary = "A follow-up of a placement or a loan was recorded (still employed, wage, repayment)."

        public let followUpId: UUID
        public let referralId: UUID
        public let personId: UUID
        public let months: Int
        public let on: CalendarDate
        public let stillEmployed: Bool?
        public let wageVnd: Int?
        /// on_schedule, late, repaid or written_off, for a loan.
        public let repayment: String?
        public let communeCode: String
        public let provinceCode: String
        public var key: String { personId.lowercasedString }

        public init(
            followUpId: UUID, referralId: UUID, personId: UUID, months: Int, on: CalendarDate, stillEmployed: Bool?, wageVnd: Int?,
            repayment: String?, communeCode: String, provinceCode: String
        ) {
            self.followUpId = followUpId
            self.referralId = referralId
            self.personId = personId
            self.months = months
            self.on = on
            self.stillEmployed = stillEmployed
            self.wageVnd = wageVnd
            self.repayment = repayment
            self.communeCode = communeCode
            self.provinceCode = provinceCode
        }
    }
}
