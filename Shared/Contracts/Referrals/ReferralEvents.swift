import ContractValues
import EventBus
import Foundation
import Postgres

/// What the referrals service tells the others: ids, codes, dates and amounts, never names.
public enum ReferralEvents {
    public static let topic = "referrals.referral"

    public static let contracts: [any EventContract.Type] = [
        Changed.self, StepRecorded.self, FollowUpRecorded.self, CaseChanged.self, CounsellingGiven.self,
    ]

    /// A referral was made, answered, completed with an outcome, or withdrawn (its current state).
    /// The statistics service counts referrals and their outcomes by area from these.
    public struct Changed: EventContract, Equatable {
        public static let type = "referrals.referral.changed"
        public static let version = 1
        public static let topic = ReferralEvents.topic
        public static let summary =
            "A referral to a partner organisation was made, answered, completed or withdrawn (its current state)."

        public let referralId: UUID
        public let personId: UUID
        public let partnerId: UUID
        public let kind: ReferralKind
        public let status: ReferralStatus
        public let outcome: String?
        public let outcomeOn: CalendarDate?
        public let amountVnd: Int?
        /// Where the person lived when referred.
        public let communeCode: String
        public let provinceCode: String
        public let referredOn: CalendarDate
        public var key: String { personId.lowercasedString }

        public init(
            referralId: UUID, personId: UUID, partnerId: UUID, kind: ReferralKind, status: ReferralStatus, outcome: String?,
            outcomeOn: CalendarDate?, amountVnd: Int?, communeCode: String, provinceCode: String, referredOn: CalendarDate
        ) {
            self.referralId = referralId
            self.personId = personId
            self.partnerId = partnerId
            self.kind = kind
            self.status = status
            self.outcome = outcome
            self.outcomeOn = outcomeOn
            self.amountVnd = amountVnd
            self.communeCode = communeCode
            self.provinceCode = provinceCode
            self.referredOn = referredOn
        }
    }

    public static let catalogue = EventCatalogue(contracts: contracts)
}
