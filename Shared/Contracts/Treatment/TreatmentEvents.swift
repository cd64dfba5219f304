import ContractValues
import EventBus
import Foundation
import Postgres

/// What the treatment service tells the others. Ids, dates and codes only.
public enum TreatmentEvents {
    public static let personTopic = "treatment.person"

    public static let contracts: [any EventContract.Type] = [
        EpisodeChanged.self, PersonStatusChanged.self, DeterminationRecorded.self, EpisodeStarted.self, StageCompleted.self,
        EpisodeTransferred.self, EpisodeEnded.self, AftercareStarted.self, AftercareEnded.self, AftercareMoved.self, ContactLogged.self,
        TestRecorded.self, RelapseRecorded.self, SupportNeedsRecorded.self, MonitoringOrdered.self,
    ]

    /// A determination of addiction was recorded: how many of the six criteria were met and the
    /// result, under the regime in force that day (statistics count determinations; a positive one
    /// starts the registration deadline). No doctor, no criteria by name.
    public struct DeterminationRecorded: EventContract, Equatable {
        public static let type = "treatment.determination.recorded"
        public static let version = 1
        public static let topic = TreatmentEvents.personTopic
        public static let summary = "A determination of addiction was recorded, with its result."

        public let determinationId: UUID
        public let personId: UUID
        public let determinedOn: CalendarDate
        public let criteriaMet: Int
        public let positive: Bool
        /// The regime that judged it (its name).
        public let regime: String
        public let communeCode: String
        public let provinceCode: String
        public var key: String { personId.lowercasedString }

        public init(
            determinationId: UUID, personId: UUID, determinedOn: CalendarDate, criteriaMet: Int, positive: Bool, regime: String,
            communeCode: String, provinceCode: String
        ) {
            self.determinationId = determinationId
            self.personId = personId
            self.determinedOn = determinedOn
            self.criteriaMet = criteriaMet
            self.positive = positive
            self.regime = regime
            self.communeCode = communeCode
            self.provinceCode = provinceCode
        }
    }

    /// A person's management status changed because of treatment: a determination of addiction,
    /// the start or end of a treatment episode or of after-care. The registry keeps each person's
    /// dated status from these.
    public struct PersonStatusChanged: EventContract, Equatable {
        public static let type = "treatment.person_status.changed"
        public static let version = 1
        public static let topic = TreatmentEvents.personTopic
        public static let summary =
            "A person's management status changed because of treatment (determination, episode or after-care start or end)."
        /// The statuses treatment decides (a drug user's management is the registry's).
        public static let statuses: Set<ManagementStatus> = [.addicted, .inTreatment, .inAftercare, .managementEnded]

        public let personId: UUID
        /// One of `statuses`.
        public let status: ManagementStatus
        public let validFrom: CalendarDate
        /// The first day it is expected to no longer apply, when known (the day after after-care's
        /// last day, say), as the registry's dated statuses have it.
        public let validTo: CalendarDate?
        /// determination, episode_started, episode_ended, aftercare_started, aftercare_ended.
        public let reason: String
        public var key: String { personId.lowercasedString }

        public init(personId: UUID, status: ManagementStatus, validFrom: CalendarDate, validTo: CalendarDate?, reason: String) {
            self.personId = personId
            self.status = status
            self.validFrom = validFrom
            self.validTo = validTo
            self.reason = reason
        }
    }

    /// A treatment episode at a facility began or ended: who may see the person follows it (the
    /// facility's staff while the episode is open).
    public struct EpisodeChanged: EventContract, Equatable {
        public static let type = "treatment.episode.changed"
        public static let version = 1
        public static let topic = TreatmentEvents.personTopic
        public static let summary = "A treatment episode began, changed or ended (its current state)."

        public let episodeId: UUID
        public let personId: UUID
        /// nil for treatment at family or community, which no facility's staff follow.
        public let facilityId: UUID?
        public let form: TreatmentForm
        public let startedOn: CalendarDate
        /// nil while the episode is open.
        public let endedOn: CalendarDate?
        public var key: String { personId.lowercasedString }

        public init(episodeId: UUID, personId: UUID, facilityId: UUID?, form: TreatmentForm, startedOn: CalendarDate, endedOn: CalendarDate?) {
            self.episodeId = episodeId
            self.personId = personId
            self.facilityId = facilityId
            self.form = form
            self.startedOn = startedOn
            self.endedOn = endedOn
        }
    }

    public static let catalogue = EventCatalogue(contracts: contracts)
}
