import EventBus
import Foundation

/// What the registry tells the other services about facilities (the treatment service places
/// episodes at them; statistics count by them).
enum FacilityEvents {
    static let topic = "registry.facility"

    struct Saved: BusEvent {
        static let type = "registry.facility.saved"
        static let version = 1
        let facilityId: UUID
        let kind: String
        let ownership: String
        let provinceCode: String
        let communeCode: String?
        let capacity: Int?
        let active: Bool
        var key: String { facilityId.uuidString.lowercased() }
    }

    static let definitions: [EventDefinition] = [
        EventDefinition(type: Saved.type, version: 1, topic: topic, summary: "A facility was created or changed (its current state).", fields: [
            .init("facilityId", .uuid), .init("kind", .string), .init("ownership", .string), .init("provinceCode", .string),
            .init("communeCode", .string, required: false), .init("capacity", .integer, required: false), .init("active", .boolean),
        ]),
    ]

    static func saved(_ facility: Facility) -> Saved {
        Saved(facilityId: facility.id, kind: facility.kind, ownership: facility.ownership, provinceCode: facility.provinceCode,
              communeCode: facility.communeCode, capacity: facility.capacity, active: facility.active)
    }
}
