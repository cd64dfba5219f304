import ContractValues
import EventBus
import Foundation
import Postgres

/// What happens in after-care, tests and relapses, for the other services: ids, codes and dates only.
extension TreatmentEvents {
    /// After-care began, at the person's residence, after a completed episode: its length follows the
    /// form, the person's age and the regime.
    public struct AftercareStarted: EventContract, Equatable {
        public static let type = "treatment.aftercare.started"
        public static let version = 1
        public static let topic = TreatmentEvents.personTopic
        public static let summary = "After-care began at the person's residence commune after a completed episode."

        public let aftercareId: UUID
        public let personId: UUID
        public let episodeId: UUID
        public let form: TreatmentForm
        public let startsOn: CalendarDate
        public let endsOn: CalendarDate
        public let regime: String
        /// The person's residence commune when it happened.
        public let communeCode: String
        public let provinceCode: String
        public var key: String { personId.lowercasedString }

        public init(
            aftercareId: UUID, personId: UUID, episodeId: UUID, form: TreatmentForm, startsOn: CalendarDate, endsOn: CalendarDate, regime: String,
            communeCode: String, provinceCode: String
        ) {
            self.aftercareId = aftercareId
            self.personId = personId
            self.episodeId = episodeId
            self.form = form
            self.startsOn = startsOn
            self.endsOn = endsOn
            self.regime = regime
            self.communeCode = communeCode
            self.provinceCode = provinceCode
        }
    }

    /// After-care ended: completed at its end, or ended or suspended by a relapse.
    public struct AftercareEnded: EventContract, Equatable {
        public static let type = "treatment.aftercare.ended"
        public static let version = 1
        public static let topic = TreatmentEvents.personTopic
        public static let summary = "After-care ended: completed, or ended or suspended by a relapse."

        public let aftercareId: UUID
        public let personId: UUID
        public let status: AftercareStatus
        public let endedOn: CalendarDate
        /// The person's residence commune when it happened.
        public let communeCode: String
        public let provinceCode: String
        public var key: String { personId.lowercasedString }

        public init(aftercareId: UUID, personId: UUID, status: AftercareStatus, endedOn: CalendarDate, communeCode: String, provinceCode: String) {
            self.aftercareId = aftercareId
            self.personId = personId
            self.status = status
            self.endedOn = endedOn
            self.communeCode = communeCode
            self.provinceCode = provinceCode
        }
    }

    /// The person moved: their after-care is now run by the new commune.
    public struct AftercareMoved: EventContract, Equatable {
        public static let type = "treatment.aftercare.moved"
        public static let version = 1
        public static let topic = TreatmentEvents.personTopic
        public static let summary = "After-care followed the person to a new residence commune."

        public let aftercareId: UUID
        public let personId: UUID
        public let fromCommuneCode: String
        public let communeCode: String
        public let provinceCode: String
        public let on: CalendarDate
        public var key: String { personId.lowercasedString }

        public init(aftercareId: UUID, personId: UUID, fromCommuneCode: String, communeCode: String, provinceCode: String, on: CalendarDate) {
            self.aftercareId = aftercareId
            self.personId = personId
            self.fromCommuneCode = fromCommuneCode
            self.communeCode = communeCode
            self.provinceCode = provinceCode
            self.on = on
        }
    }

    /// A contact with a person in after-care: its kind and day, no notes.
    public struct ContactLogged: EventContract, Equatable {
        public static let type = "treatment.aftercare.contact_logged"
        public static let version = 1
        public static let topic = TreatmentEvents.personTopic
        public static let summary = "A contact with a person in after-care was logged (visit, call, club meeting)."

        public let contactId: UUID
        public let aftercareId: UUID
        public let personId: UUID
        public let on: CalendarDate
        /// visit, call or club_meeting.
        public let kind: String
        /// The person's residence commune when it happened.
        public let communeCode: String
        public let provinceCode: String
        public var key: String { personId.lowercasedString }

        public init(contactId: UUID, aftercareId: UUID, personId: UUID, on: CalendarDate, kind: String, communeCode: String, provinceCode: String) {
            self.contactId = contactId
            self.aftercareId = aftercareId
            self.personId = personId
            self.on = on
            self.kind = kind
            self.communeCode = communeCode
            self.provinceCode = provinceCode
        }
    }

    /// A drug test: day, method, substances tested for and result, and what the person was in.
    public struct TestRecorded: EventContract, Equatable {
        public static let type = "treatment.test.recorded"
        public static let version = 1
        public static let topic = TreatmentEvents.personTopic
        public static let summary = "A drug test was recorded, with its result."

        public let testId: UUID
        public let personId: UUID
        public let testedOn: CalendarDate
        public let method: String
        public let substances: [String]
        public let positive: Bool
        /// aftercare, episode or none.
        public let during: String
        /// The person's residence commune when it happened.
        public let communeCode: String
        public let provinceCode: String
        public var key: String { personId.lowercasedString }

        public init(
            testId: UUID, personId: UUID, testedOn: CalendarDate, method: String, substances: [String], positive: Bool, during: String,
            communeCode: String, provinceCode: String
        ) {
            self.testId = testId
            self.personId = personId
            self.testedOn = testedOn
            self.method = method
            self.substances = substances
            self.positive = positive
            self.during = during
            self.communeCode = communeCode
            self.provinceCode = provinceCode
        }
    }

    /// A relapse during after-care: a positive test or determination. It ends or suspends after-care as
    /// the regime says, and triggers compulsory treatment.
    public struct RelapseRecorded: EventContract, Equatable {
        public static let type = "treatment.relapse.recorded"
        public static let version = 1
        public static let topic = TreatmentEvents.personTopic
        public static let summary = "A relapse during after-care was recorded (statistics compute relapse rates from it)."

        public let relapseId: UUID
        public let personId: UUID
        public let aftercareId: UUID
        public let detectedOn: CalendarDate
        /// test or determination.
        public let source: String
        /// What became of after-care: end or suspend.
        public let aftercare: String
        public let regime: String
        /// The person's residence commune when it happened.
        public let communeCode: String
        public let provinceCode: String
        public var key: String { personId.lowercasedString }

        public init(
            relapseId: UUID, personId: UUID, aftercareId: UUID, detectedOn: CalendarDate, source: String, aftercare: String, regime: String,
            communeCode: String, provinceCode: String
        ) {
            self.relapseId = relapseId
            self.personId = personId
            self.aftercareId = aftercareId
            self.detectedOn = detectedOn
            self.source = source
            self.aftercare = aftercare
            self.regime = regime
            self.communeCode = communeCode
            self.provinceCode = provinceCode
        }
    }

    /// What support a person in after-care needs, for the referrals service to act on.
    public struct SupportNeedsRecorded: EventContract, Equatable {
        public static let type = "treatment.support_needs.recorded"
        public static let version = 1
        public static let topic = TreatmentEvents.personTopic
        public static let summary = "A person in after-care needs support (schooling, vocational training, a job, a loan): for the referrals service."

        public let aftercareId: UUID
        public let personId: UUID
        /// schooling, vocational_training, job, loan.
        public let needs: [String]
        public let recordedOn: CalendarDate
        /// The person's residence commune when it happened.
        public let communeCode: String
        public let provinceCode: String
        public var key: String { personId.lowercasedString }

        public init(aftercareId: UUID, personId: UUID, needs: [String], recordedOn: CalendarDate, communeCode: String, provinceCode: String) {
            self.aftercareId = aftercareId
            self.personId = personId
            self.needs = needs
            self.recordedOn = recordedOn
            self.communeCode = communeCode
            self.provinceCode = provinceCode
        }
    }

    /// Electronic monitoring the commune police ordered during community treatment, substitution therapy
    /// or after-care (Law 120/2025): when, for how long, during what.
    public struct MonitoringOrdered: EventContract, Equatable {
        public static let type = "treatment.monitoring.ordered"
        public static let version = 1
        public static let topic = TreatmentEvents.personTopic
        public static let summary = "The commune police ordered electronic monitoring (Law 120/2025)."

        public let monitoringId: UUID
        public let personId: UUID
        public let startsOn: CalendarDate
        public let endsOn: CalendarDate
        /// episode or aftercare.
        public let during: String
        public let regime: String
        /// The person's residence commune when it happened.
        public let communeCode: String
        public let provinceCode: String
        public var key: String { personId.lowercasedString }

        public init(
            monitoringId: UUID, personId: UUID, startsOn: CalendarDate, endsOn: CalendarDate, during: String, regime: String, communeCode: String,
            provinceCode: String
        ) {
            self.monitoringId = monitoringId
            self.personId = personId
            self.startsOn = startsOn
            self.endsOn = endsOn
            self.during = during
            self.regime = regime
            self.communeCode = communeCode
            self.provinceCode = provinceCode
        }
    }
}
