import EventBus
import Foundation
import Postgres

/// `registry.programme.recorded`: a community programme record, with the counts the commune
/// indicators need and no names (no trainee, volunteer or group member).
public enum ProgrammeEvents {
    public static let topic = "registry.programme"

    public static let contracts: [any EventContract.Type] = [Recorded.self]

    public struct Recorded: EventContract, Equatable {
        public static let type = "registry.programme.recorded"
        public static let version = 1
        public static let topic = ProgrammeEvents.topic
        public static let summary =
            "A community programme record (campaign, after-care model, group, drug-free recognition, training or a year's workforce) was added; keyed by commune."
        public let recordId: UUID
        public let kind: String
        public let communeCode: String
        public let provinceCode: String
        public let onDate: CalendarDate
        /// campaign: people reached; group: members; workforce: workers.
        public let count: Int?
        /// group: volunteer_team, club or residents_group.
        public let groupType: String?
        /// drug-free: the year recognised; workforce: the year of the workforce.
        public let year: Int?
        /// aftercare-model: the last day it applied, when it ended.
        public let until: CalendarDate?
        public var key: String { communeCode }

        public init(
            recordId: UUID, kind: String, communeCode: String, provinceCode: String, onDate: CalendarDate, count: Int?,
            groupType: String?, year: Int?, until: CalendarDate?
        ) {
            self.recordId = recordId
            self.kind = kind
            self.communeCode = communeCode
            self.provinceCode = provinceCode
            self.onDate = onDate
            self.count = count
            self.groupType = groupType
            self.year = year
            self.until = until
        }
    }
}
