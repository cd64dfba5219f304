import ContractValues
import EventBus
import Foundation
import Postgres

/// What the registry tells the other services about people. No name, national id, phone,
/// address or exact birth date: ids, commune codes, sex, birth year and other counting fields.
public enum PersonEvents {
    public static let topic = "registry.person"

    /// Every person event type, for the registry's catalogue.
    public static let contracts: [any EventContract.Type] = [RegisteredV1.self, Registered.self, Changed.self, Moved.self, StatusChanged.self]

    /// A registration as published until 2026-12-05, without the day the residence began: the log
    /// still holds these, and consumers read them (the residence then counts from `registeredOn`).
    public struct RegisteredV1: EventContract, Equatable {
        public static let type = Registered.type
        public static let version = 1
        public static let topic = PersonEvents.topic
        public static let summary = "A person was registered for management (the first version, without the residence's start)."
        public let personId: UUID
        public let communeCode: String
        public let provinceCode: String
        public let sex: Sex
        public let birthYear: Int
        public let ethnicity: String?
        public let substances: [String]
        public let registeredOn: CalendarDate
        public var key: String { personId.lowercasedString }
    }

    /// A registration. `residenceSince` is the day the person began living in `communeCode`,
    /// which may be before the registration (and before a move dated earlier than it). A residence
    /// begun before 2025-07-01 may have been recorded under a commune of the list before 2025:
    /// `legacyCommuneCode` is then that code and `communeCode` its 2025 commune by the official
    /// mapping (`whole`, or `divided-default` for a divided commune). Absent in earlier payloads.
    public struct Registered: EventContract, Equatable {
        public static let type = "registry.person.registered"
        public static let version = 2
        public static let topic = PersonEvents.topic
        public static let summary = "A person was registered for management, with the day their residence began."
        public let personId: UUID
        public let communeCode: String
        public let provinceCode: String
        public let residenceSince: CalendarDate
        public let sex: Sex
        public let birthYear: Int
        public let ethnicity: String?
        public let substances: [String]
        public let registeredOn: CalendarDate
        public let legacyCommuneCode: String?
        public var key: String { personId.lowercasedString }

        public init(
            personId: UUID, communeCode: String, provinceCode: String, residenceSince: CalendarDate, sex: Sex, birthYear: Int,
            ethnicity: String?, substances: [String], registeredOn: CalendarDate, legacyCommuneCode: String? = nil
        ) {
            self.personId = personId
            self.communeCode = communeCode
            self.provinceCode = provinceCode
            self.residenceSince = residenceSince
            self.sex = sex
            self.birthYear = birthYear
            self.ethnicity = ethnicity
            self.substances = substances
            self.registeredOn = registeredOn
            self.legacyCommuneCode = legacyCommuneCode
        }

        /// A first-version registration, its residence counted from the day of registration.
        public init(_ first: RegisteredV1) {
            self.init(
                personId: first.personId, communeCode: first.communeCode, provinceCode: first.provinceCode, residenceSince: first.registeredOn,
                sex: first.sex, birthYear: first.birthYear, ethnicity: first.ethnicity, substances: first.substances,
                registeredOn: first.registeredOn)
        }
    }

    public struct Changed: EventContract, Equatable {
        public static let type = "registry.person.changed"
        public static let version = 1
        public static let topic = PersonEvents.topic
        public static let summary = "Fields of a person's record changed (names of the fields only)."
        public let personId: UUID
        /// Names of the changed fields (never their values).
        public let fields: [String]
        public let sex: Sex
        public let birthYear: Int
        public let ethnicity: String?
        public let substances: [String]
        public var key: String { personId.lowercasedString }

        public init(personId: UUID, fields: [String], sex: Sex, birthYear: Int, ethnicity: String?, substances: [String]) {
            self.personId = personId
            self.fields = fields
            self.sex = sex
            self.birthYear = birthYear
            self.ethnicity = ethnicity
            self.substances = substances
        }
    }

    public struct Moved: EventContract, Equatable {
        public static let type = "registry.person.moved"
        public static let version = 1
        public static let topic = PersonEvents.topic
        public static let summary = "A person moved residence to another commune."
        public let personId: UUID
        public let fromCommuneCode: String
        public let toCommuneCode: String
        public let toProvinceCode: String
        public let movedOn: CalendarDate
        /// For a move before 2025-07-01 recorded under a commune of the list before 2025: that
        /// code (`toCommuneCode` is its 2025 commune by the official mapping). Absent in earlier payloads.
        public let toLegacyCommuneCode: String?
        public var key: String { personId.lowercasedString }

        public init(
            personId: UUID, fromCommuneCode: String, toCommuneCode: String, toProvinceCode: String, movedOn: CalendarDate,
            toLegacyCommuneCode: String? = nil
        ) {
            self.personId = personId
            self.fromCommuneCode = fromCommuneCode
            self.toCommuneCode = toCommuneCode
            self.toProvinceCode = toProvinceCode
            self.movedOn = movedOn
            self.toLegacyCommuneCode = toLegacyCommuneCode
        }
    }

    public struct StatusChanged: EventContract, Equatable {
        public static let type = "registry.person.status_changed"
        public static let version = 1
        public static let topic = PersonEvents.topic
        public static let summary = "A person's management status changed."
        public let personId: UUID
        public let status: ManagementStatus
        public let validFrom: CalendarDate
        public let validTo: CalendarDate?
        public let communeCode: String
        public var key: String { personId.lowercasedString }

        public init(personId: UUID, status: ManagementStatus, validFrom: CalendarDate, validTo: CalendarDate?, communeCode: String) {
            self.personId = personId
            self.status = status
            self.validFrom = validFrom
            self.validTo = validTo
            self.communeCode = communeCode
        }
    }
}
