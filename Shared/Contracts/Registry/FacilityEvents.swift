import EventBus
import Foundation
import Postgres

/// What the registry tells the other services about facilities (the treatment service places
/// episodes at them; statistics count by them).
public enum FacilityEvents {
    public static let topic = "registry.facility"

    public static let contracts: [any EventContract.Type] = [Saved.self]

    public struct Saved: EventContract, Equatable {
        public static let type = "registry.facility.saved"
        public static let version = 1
        public static let topic = FacilityEvents.topic
        public static let summary = "A facility was created or changed (its current state)."
        public let facilityId: UUID
        public let kind: String
        public let ownership: String
        public let provinceCode: String
        public let communeCode: String?
        public let capacity: Int?
        public let active: Bool
        public var key: String { facilityId.lowercasedString }

        public init(
            facilityId: UUID, kind: String, ownership: String, provinceCode: String, communeCode: String?, capacity: Int?, active: Bool
        ) {
            self.facilityId = facilityId
            self.kind = kind
            self.ownership = ownership
            self.provinceCode = provinceCode
            self.communeCode = communeCode
            self.capacity = capacity
            self.active = active
        }
    }
}
