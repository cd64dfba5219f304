import ContractValues
import EventBus
import Foundation
import Postgres

/// What happens to treatment episodes, for the other services: ids, codes and dates only.
extension TreatmentEvents {
    /// A treatment episode began: its form, where, under which regime, whether it is the person's first
    /// treatment, and where the person lives (statistics count treatment by form and place).
    public struct EpisodeStarted: EventContract, Equatable {
        public static let type = "treatment.episode.started"
        public static let version = 1
        public static let topic = TreatmentEvents.personTopic
        public static let summary = "A treatment episode began (admission, or the first day of treatment at family or community)."

        public let episodeId: UUID
        public let personId: UUID
        public let form: TreatmentForm
        /// nil for treatment at family or community.
        public let facilityId: UUID?
        public let startedOn: CalendarDate
        /// nil for substitution therapy, which has no term.
        public let plannedEnd: CalendarDate?
        /// first or repeat.
        public let occurrence: String
        /// Under 18 on the first day.
        public let minor: Bool
        public let regime: String
        /// The person's residence commune when it happened.
        public let communeCode: String
        public let provinceCode: String
        public var key: String { personId.lowercasedString }

        public init(
            episodeId: UUID, personId: UUID, form: TreatmentForm, facilityId: UUID?, startedOn: CalendarDate, plannedEnd: CalendarDate?,
            occurrence: String, minor: Bool, regime: String, communeCode: String, provinceCode: String
        ) {
            self.episodeId = episodeId
            self.personId = personId
            self.form = form
            self.facilityId = facilityId
            self.startedOn = startedOn
            self.plannedEnd = plannedEnd
            self.occurrence = occurrence
            self.minor = minor
            self.regime = regime
            self.communeCode = communeCode
            self.provinceCode = provinceCode
        }
    }

    /// One of the five stages of an episode was completed.
    public struct StageCompleted: EventContract, Equatable {
        public static let type = "treatment.episode.stage_completed"
        public static let version = 1
        public static let topic = TreatmentEvents.personTopic
        public static let summary = "A stage of a treatment episode was completed."

        public let episodeId: UUID
        public let personId: UUID
        /// intake, detoxification, counselling, labour_therapy or reintegration.
        public let stage: String
        public let completedOn: CalendarDate
        public let facilityId: UUID?
        public var key: String { personId.lowercasedString }

        public init(episodeId: UUID, personId: UUID, stage: String, completedOn: CalendarDate, facilityId: UUID?) {
            self.episodeId = episodeId
            self.personId = personId
            self.stage = stage
            self.completedOn = completedOn
            self.facilityId = facilityId
        }
    }

    /// The person moved to another facility within the same episode.
    public struct EpisodeTransferred: EventContract, Equatable {
        public static let type = "treatment.episode.transferred"
        public static let version = 1
        public static let topic = TreatmentEvents.personTopic
        public static let summary = "A treatment episode moved to another facility (the same episode continues there)."

        public let episodeId: UUID
        public let personId: UUID
        public let fromFacilityId: UUID?
        public let toFacilityId: UUID
        public let on: CalendarDate
        public var key: String { personId.lowercasedString }

        public init(episodeId: UUID, personId: UUID, fromFacilityId: UUID?, toFacilityId: UUID, on: CalendarDate) {
            self.episodeId = episodeId
            self.personId = personId
            self.fromFacilityId = fromFacilityId
            self.toFacilityId = toFacilityId
            self.on = on
        }
    }

    /// An episode ended: completed (after-care follows), discontinued (dropped out, terminated,
    /// incarcerated, died, other) or transferred to another form of treatment.
    public struct EpisodeEnded: EventContract, Equatable {
        public static let type = "treatment.episode.ended"
        public static let version = 1
        public static let topic = TreatmentEvents.personTopic
        public static let summary = "A treatment episode ended: completed, discontinued or transferred to another form, with the reason."

        public let episodeId: UUID
        public let personId: UUID
        public let form: TreatmentForm
        public let facilityId: UUID?
        public let status: EpisodeStatus
        public let reason: DischargeReason
        /// nil when it ended before it began.
        public let startedOn: CalendarDate?
        public let endedOn: CalendarDate
        /// The person's residence commune when it happened.
        public let communeCode: String
        public let provinceCode: String
        public var key: String { personId.lowercasedString }

        public init(
            episodeId: UUID, personId: UUID, form: TreatmentForm, facilityId: UUID?, status: EpisodeStatus, reason: DischargeReason,
            startedOn: CalendarDate?, endedOn: CalendarDate, communeCode: String, provinceCode: String
        ) {
            self.episodeId = episodeId
            self.personId = personId
            self.form = form
            self.facilityId = facilityId
            self.status = status
            self.reason = reason
            self.startedOn = startedOn
            self.endedOn = endedOn
            self.communeCode = communeCode
            self.provinceCode = provinceCode
        }
    }
}
