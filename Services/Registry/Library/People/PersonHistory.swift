import Access
import EventBus
import Foundation
import Postgres

/// Every change to a person's record, kept in `registry.person_changes`: who, when, which fields,
/// old and new values.
enum PersonHistory {
    /// One entry as the API shows it.
    struct Entry: Codable, Sendable {
        let version: Int
        let changedAt: Date
        let changedBy: String?
        let action: String
        let changes: JSONValue
    }

    /// The fields a change record lists, with their values; the one list both a registration and
    /// an import record.
    static func values(
        fullName: String, birthDate: String?, birthYear: Int, sex: String, ethnicity: String?, nationalID: String?,
        phone: String?, occupation: String?, education: String?, substances: [String], notes: String?,
        communeCode: String, address: String?, since: String, legacyCommuneCode: String? = nil
    ) -> [String: JSONValue] {
        func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        var values: [String: JSONValue] = [
            "fullName": .string(fullName), "birthDate": text(birthDate), "birthYear": .number(Double(birthYear)),
            "sex": .string(sex), "ethnicity": text(ethnicity), "nationalId": text(nationalID),
            "phone": text(phone), "occupation": text(occupation), "education": text(education),
            "substances": .array(substances.map(JSONValue.string)), "notes": text(notes),
            "residence.communeCode": .string(communeCode), "residence.address": text(address),
            "residence.since": .string(since),
        ]
        // Only a residence recorded under the list before 2025 lists its code there.
        if let legacyCommuneCode { values["residence.legacyCommuneCode"] = .string(legacyCommuneCode) }
        return values
    }

    /// The fields a change record lists, with their values in `person`.
    static func values(_ person: Person) -> [String: JSONValue] {
        values(
            fullName: person.fullName, birthDate: person.birthDate, birthYear: person.birthYear, sex: person.sex,
            ethnicity: person.ethnicity, nationalID: person.nationalId, phone: person.phone, occupation: person.occupation,
            education: person.education, substances: person.substances, notes: person.notes,
            communeCode: person.residence.communeCode, address: person.residence.address, since: person.residence.since,
            legacyCommuneCode: person.residence.legacyCommuneCode)
    }

    /// `values` as new values (a creation).
    static func snapshot(_ values: [String: JSONValue]) -> [String: JSONValue] {
        values.mapValues { .object(["old": .null, "new": $0]) }
    }

    /// The fields that differ between `old` and `new`, with both values.
    static func diff(_ old: Person, _ new: Person) -> [String: JSONValue] {
        let before = values(old)
        let after = values(new)
        var changes: [String: JSONValue] = [:]
        for key in Set(before.keys).union(after.keys) where before[key] != after[key] {
            changes[key] = .object(["old": before[key] ?? .null, "new": after[key] ?? .null])
        }
        return changes
    }
}
