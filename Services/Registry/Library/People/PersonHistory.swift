import Access
import EventBus
import Foundation
import Postgres

/// Every change to a person's record, kept in `registry.person_changes`: who, when, which fields,
/// old and new values.
enum PersonHistory {
    /// The fields a change record lists, with their values in `person`.
    static func values(_ person: Person) -> [String: JSONValue] {
        func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        return [
            "fullName": .string(person.fullName), "birthDate": text(person.birthDate), "birthYear": .number(Double(person.birthYear)),
            "sex": .string(person.sex), "ethnicity": text(person.ethnicity), "nationalId": text(person.nationalId),
            "phone": text(person.phone), "occupation": text(person.occupation), "education": text(person.education),
            "substances": .array(person.substances.map(JSONValue.string)), "notes": text(person.notes),
            "residence.communeCode": .string(person.residence.communeCode), "residence.address": text(person.residence.address),
            "residence.since": .string(person.residence.since),
        ]
    }

    /// All fields as new values (a creation).
    static func snapshot(_ person: Person) -> [String: JSONValue] {
        values(person).mapValues { .object(["old": .null, "new": $0]) }
    }

    /// The fields that differ between `old` and `new`, with both values.
    static func diff(_ old: Person, _ new: Person) -> [String: JSONValue] {
        let before = values(old)
        let after = values(new)
        var changes: [String: JSONValue] = [:]
        for (key, value) in after where before[key] != value {
            changes[key] = .object(["old": before[key] ?? .null, "new": value])
        }
        return changes
    }

    static func record(
        person: UUID, version: Int, by identity: Identity, communeCode: String, action: String,
        changes: [String: JSONValue], on connection: PostgresConnection
    ) async throws {
        let json = String(decoding: try JSONEncoder.sorted.encode(JSONValue.object(changes)), as: UTF8.self)
        try await connection.query("""
            INSERT INTO registry.person_changes (person_id, version, changed_by, changed_by_label, commune_code, action, changes)
            VALUES (\(person), \(version), \(identity.id), \(identity.label), \(communeCode), \(action), \(json)::jsonb)
            """)
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
