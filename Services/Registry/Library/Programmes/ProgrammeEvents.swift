import EventBus
import Foundation

/// `registry.programme.recorded`: a community programme record, with the counts the commune
/// indicators need and no names (no trainee, volunteer or group member).
enum ProgrammeEvents {
    static let topic = "registry.programme"

    struct Recorded: BusEvent {
        static let type = "registry.programme.recorded"
        static let version = 1
        let recordId: UUID
        let kind: String
        let communeCode: String
        let provinceCode: String
        let onDate: String
        /// campaign: people reached; group: members.
        let count: Int?
        /// group: volunteer_team, club or residents_group.
        let groupType: String?
        /// drug-free: the year recognised.
        let year: Int?
        /// aftercare-model: the last day it applied, when it ended.
        let until: String?
        var key: String { communeCode }
    }

    static let definitions: [EventDefinition] = [
        EventDefinition(type: Recorded.type, version: 1, topic: topic, summary: "A community programme record (campaign, after-care model, group, drug-free recognition or training) was added; keyed by commune.", fields: [
            .init("recordId", .uuid), .init("kind", .string), .init("communeCode", .string), .init("provinceCode", .string),
            .init("onDate", .date), .init("count", .integer, required: false), .init("groupType", .string, required: false),
            .init("year", .integer, required: false), .init("until", .date, required: false),
        ]),
    ]
}
