import ContractValues
import EventBus
import Foundation
import Postgres

/// What happens to reintegration cases, for the statistics service: ids, codes, dates and needs,
/// never names or what was said.
extension ReferralEvents {
    public static let caseTopic = "referrals.case"

    /// A reintegration case was opened (from after-care), assessed, handed to another commune or
    /// closed: its current state.
    public struct CaseChanged: EventContract, Equatable {
        public static let type = "referrals.case.changed"
        public static let version = 1
        public static let topic = ReferralEvents.caseTopic
        public static let summary = "A reintegration case was opened, assessed, handed to another commune or closed (its current state)."

        public let caseId: UUID
        public let personId: UUID
        /// The after-care period it accompanies.
        public let aftercareId: UUID
        /// open or closed.
        public let status: String
        /// What the person needs: vocational_training, job, loan, schooling.
        public let needs: [String]
        public let openedOn: CalendarDate
        public let closedOn: CalendarDate?
        /// aftercare_ended or officer, when closed.
        public let closeReason: String?
        /// The commune (and province) following the case now.
        public let communeCode: String
        public let provinceCode: String
        public var key: String { personId.lowercasedString }

        public init(
            caseId: UUID, personId: UUID, aftercareId: UUID, status: String, needs: [String], openedOn: CalendarDate, closedOn: CalendarDate?,
            closeReason: String?, communeCode: String, provinceCode: String
        ) {
            self.caseId = caseId
            self.personId = personId
            self.aftercareId = aftercareId
            self.status = status
            self.needs = needs
            self.openedOn = openedOn
            self.closedOn = closedOn
            self.closeReason = closeReason
            self.communeCode = communeCode
            self.provinceCode = provinceCode
        }
    }

    /// Counselling was given within a case (statistics count counselling per commune and period).
    public struct CounsellingGiven: EventContract, Equatable {
        public static let type = "referrals.case.counselling_given"
        public static let version = 1
        public static let topic = ReferralEvents.caseTopic
        public static let summary = "Counselling was given to a person within a reintegration case."

        public let counsellingId: UUID
        public let caseId: UUID
        public let personId: UUID
        public let givenOn: CalendarDate
        public let communeCode: String
        public let provinceCode: String
        public var key: String { personId.lowercasedString }

        public init(counsellingId: UUID, caseId: UUID, personId: UUID, givenOn: CalendarDate, communeCode: String, provinceCode: String) {
            self.counsellingId = counsellingId
            self.caseId = caseId
            self.personId = personId
            self.givenOn = givenOn
            self.communeCode = communeCode
            self.provinceCode = provinceCode
        }
    }
}
