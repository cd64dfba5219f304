import EventBus
import Foundation
import Postgres
import ServiceKit

/// The kinds of community programme record and the fields each needs.
enum ProgrammeKind: String, CaseIterable, Sendable {
    /// An awareness campaign on the drug law: `heldOn`, `topic`, `peopleReached`.
    case campaign
    /// An after-care model applied in the commune: `model`, `since`, optional `until`.
    case aftercareModel = "aftercare-model"
    /// A volunteer social-work team, a B93 club or a self-managed residents' group: `groupType`,
    /// `name`, `foundedOn`, `members` ([{name, role}]).
    case group
    /// A drug-free-commune recognition: `year`, `decisionNumber`, `decidedOn`.
    case drugFree = "drug-free"
    /// Training of a treatment or after-care worker: `traineeName`, `course`, `trainedOn`, `hours`.
    case training

    static let groupTypes: Set<String> = ["volunteer_team", "club", "residents_group"]

    /// The checked fields of a request body for this kind, as stored, with the record's date.
    struct Checked {
        let onDate: CalendarDate
        let details: [String: JSONValue]
    }

    /// Reads and checks the kind's own fields from `fields` (which also carries `communeCode`).
    func read(_ fields: inout JSONFields, today: CalendarDate) -> Checked? {
        var details: [String: JSONValue] = [:]
        var onDate: CalendarDate?
        func date(_ key: String, required: Bool = true) -> CalendarDate? {
            let value = fields.date(key, required: required).value
            if let value {
                fields.validator.require(value <= today && value.year >= 1990, fields.path(key), "must be a date from 1990 to today")
                details[key] = .string(value.description)
            }
            return value
        }
        func text(_ key: String, max: Int = 300, required: Bool = true) {
            if let value = fields.string(key, required: required, maxLength: max).value { details[key] = .string(value) }
        }
        func count(_ key: String, range: ClosedRange<Int>, required: Bool = true) {
            switch fields.integer(key, range: range) {
            case .value(let number): details[key] = .number(Double(number))
            case .absent where required && !fields.has(key), .null where required: fields.validator.add(fields.path(key), "is required")
            default: break
            }
        }
        switch self {
        case .campaign:
            fields.refuseUnknown(["communeCode", "heldOn", "topic", "peopleReached", "notes"])
            onDate = date("heldOn")
            text("topic")
            count("peopleReached", range: 0...1_000_000)
            text("notes", max: 2000, required: false)
        case .aftercareModel:
            fields.refuseUnknown(["communeCode", "model", "since", "until", "notes"])
            text("model", max: 200)
            onDate = date("since")
            if let until = date("until", required: false), let onDate {
                fields.validator.require(until >= onDate, fields.path("until"), "must not be before since")
            }
            text("notes", max: 2000, required: false)
        case .group:
            fields.refuseUnknown(["communeCode", "groupType", "name", "foundedOn", "members"])
            if let type = fields.string("groupType", required: true).value {
                fields.validator.require(Self.groupTypes.contains(type), fields.path("groupType"), "must be volunteer_team, club or residents_group")
                details["groupType"] = .string(type)
            }
            text("name", max: 200)
            onDate = date("foundedOn")
            details["members"] = .array(members(&fields))
        case .drugFree:
            fields.refuseUnknown(["communeCode", "year", "decisionNumber", "decidedOn"])
            count("year", range: 2000...today.year)
            text("decisionNumber", max: 100)
            onDate = date("decidedOn")
        case .training:
            fields.refuseUnknown(["communeCode", "traineeName", "course", "trainedOn", "hours"])
            text("traineeName", max: 200)
            text("course", max: 300)
            onDate = date("trainedOn")
            count("hours", range: 1...2000, required: false)
        }
        guard let onDate, fields.validator.errors.isEmpty else { return nil }
        return Checked(onDate: onDate, details: details)
    }

    /// `members`: an array of `{name, role}` (volunteers, not people under management).
    private func members(_ fields: inout JSONFields) -> [JSONValue] {
        guard fields.has("members") else { return [] }
        var parsed: [JSONValue] = []
        let items = fields.array("members")
        for (index, item) in (items ?? []).enumerated() {
            guard case .object(let object) = item, case .string(let name)? = object["name"], !name.trimmingCharacters(in: .whitespaces).isEmpty,
                name.count <= 200
            else {
                fields.validator.add(fields.path("members") + "/\(index)/name", "is required (at most 200 characters)")
                continue
            }
            var member: [String: JSONValue] = ["name": .string(name.trimmingCharacters(in: .whitespaces))]
            if case .string(let role)? = object["role"], role.count <= 100 { member["role"] = .string(role) }
            parsed.append(.object(member))
        }
        return parsed
    }
}
