import EventBus
import Foundation

/// What the registry tells the other services about people. No name, national id, phone,
/// address or exact birth date: ids, commune codes, sex, birth year and other counting fields.
enum PersonEvents {
    static let topic = "registry.person"

    struct Registered: BusEvent {
        static let type = "registry.person.registered"
        static let version = 1
        let personId: UUID
        let communeCode: String
        let provinceCode: String
        let sex: String
        let birthYear: Int
        let ethnicity: String?
        let substances: [String]
        let registeredOn: String
        var key: String { personId.uuidString.lowercased() }
    }

    struct Changed: BusEvent {
        static let type = "registry.person.changed"
        static let version = 1
        let personId: UUID
        /// Names of the changed fields (never their values).
        let fields: [String]
        let sex: String
        let birthYear: Int
        let ethnicity: String?
        let substances: [String]
        var key: String { personId.uuidString.lowercased() }
    }

    struct Moved: BusEvent {
        static let type = "registry.person.moved"
        static let version = 1
        let personId: UUID
        let fromCommuneCode: String
        let toCommuneCode: String
        let toProvinceCode: String
        let movedOn: String
        var key: String { personId.uuidString.lowercased() }
    }

    struct StatusChanged: BusEvent {
        static let type = "registry.person.status_changed"
        static let version = 1
        let personId: UUID
        let status: String
        let validFrom: String
        let validTo: String?
        let communeCode: String
        var key: String { personId.uuidString.lowercased() }
    }

    static let definitions: [EventDefinition] = [
        EventDefinition(type: Registered.type, version: 1, topic: topic, summary: "A person was registered for management.", fields: [
            .init("personId", .uuid), .init("communeCode", .string), .init("provinceCode", .string), .init("sex", .string),
            .init("birthYear", .integer), .init("ethnicity", .string, required: false), .init("substances", .array),
            .init("registeredOn", .date),
        ]),
        EventDefinition(type: Changed.type, version: 1, topic: topic, summary: "Fields of a person's record changed (names of the fields only).", fields: [
            .init("personId", .uuid), .init("fields", .array), .init("sex", .string), .init("birthYear", .integer),
            .init("ethnicity", .string, required: false), .init("substances", .array),
        ]),
        EventDefinition(type: Moved.type, version: 1, topic: topic, summary: "A person moved residence to another commune.", fields: [
            .init("personId", .uuid), .init("fromCommuneCode", .string), .init("toCommuneCode", .string),
            .init("toProvinceCode", .string), .init("movedOn", .date),
        ]),
        EventDefinition(type: StatusChanged.type, version: 1, topic: topic, summary: "A person's management status changed.", fields: [
            .init("personId", .uuid), .init("status", .string), .init("validFrom", .date),
            .init("validTo", .date, required: false), .init("communeCode", .string),
        ]),
    ]
}
