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
    /// How many treatment and after-care workers the commune has in a year: `year`, `workers`,
    /// `declaredOn` (a later declaration for the same year replaces an earlier one).
    case workforce

    static let groupTypes = ["volunteer_team", "club", "residents_group"]

    /// The checked fields of a request body for this kind, as stored, with the record's date.
    struct Checked {
        let onDate: CalendarDate
        let details: [String: JSONValue]
    }

    /// The body of a record of this kind: the commune and the kind's own fields.
    var schema: BodySchema {
        let commune = BodySchema.Field("communeCode", .formatted(.communeCode), required: true, "A commune of the 2025 list")
        switch self {
        case .campaign:
            return BodySchema([
                commune, .date("heldOn", required: true), .text("topic", maxLength: 300, required: true),
                .integer("peopleReached", 0...1_000_000, required: true), .text("notes", maxLength: 2000, multiline: true),
            ])
        case .aftercareModel:
            return BodySchema([
                commune, .text("model", maxLength: 200, required: true), .date("since", required: true),
                .date("until", "Not before since"), .text("notes", maxLength: 2000, multiline: true),
            ])
        case .group:
            let member = BodySchema([.text("name", maxLength: 200, required: true), .text("role", maxLength: 100)])
            return BodySchema([
                commune, .oneOf("groupType", Self.groupTypes, required: true), .text("name", maxLength: 200, required: true),
                .date("foundedOn", required: true),
                BodySchema.Field("members", .array(.object(member), maxCount: 1000), "Volunteers (not people under management)"),
            ])
        case .drugFree:
            return BodySchema([
                commune, BodySchema.Field("year", .integer(minimum: 2000, maximum: .currentYear), required: true),
                .text("decisionNumber", maxLength: 100, required: true), .date("decidedOn", required: true),
            ])
        case .training:
            return BodySchema([
                commune, .text("traineeName", maxLength: 200, required: true), .text("course", maxLength: 300, required: true),
                .date("trainedOn", required: true), .integer("hours", 1...2000),
            ])
        case .workforce:
            return BodySchema([
                commune, BodySchema.Field("year", .integer(minimum: 2000, maximum: .currentYear), required: true),
                .integer("workers", 0...100_000, required: true), .date("declaredOn", required: true),
            ])
        }
    }

    /// The body of `POST /v1/programmes/{kind}`, by kind.
    static var body: DeclaredBody { .json(by: "kind", allCases.map { ($0.rawValue, $0.schema) }) }

    /// Reads the kind's own fields from `fields` (checked against `schema`) and checks their
    /// dates; nil when anything is invalid.
    func read(_ fields: inout JSONFields, today: CalendarDate) -> Checked? {
        var details: [String: JSONValue] = [:]
        var onDate: CalendarDate?
        for field in schema.fields where field.name != "communeCode" {
            switch field.schema {
            case .date:
                guard let value = fields.date(field.name).value else { continue }
                fields.validator.require(value <= today && value.year >= 1990, fields.path(field.name), "must be a date from 1990 to today")
                details[field.name] = .string(value.description)
            case .integer:
                if let value = fields.integer(field.name).value { details[field.name] = .number(Double(value)) }
            case .array:
                details[field.name] = .array(
                    fields.objects(field.name).map { member in
                        var object: [String: JSONValue] = [:]
                        if let name = member.string("name").value { object["name"] = .string(name) }
                        if let role = member.string("role").value { object["role"] = .string(role) }
                        return .object(object)
                    })
            default:
                if let value = fields.string(field.name).value { details[field.name] = .string(value) }
            }
        }
        onDate = details[dateField].flatMap { if case .string(let text) = $0 { CalendarDate(text) } else { nil } }
        if self == .aftercareModel, let until = fields.date("until").value, let onDate {
            fields.validator.require(until >= onDate, fields.path("until"), "must not be before since")
        }
        guard let onDate, fields.validator.errors.isEmpty else { return nil }
        return Checked(onDate: onDate, details: details)
    }

    /// The field holding the record's date.
    private var dateField: String {
        switch self {
        case .campaign: "heldOn"
        case .aftercareModel: "since"
        case .group: "foundedOn"
        case .drugFree: "decidedOn"
        case .training: "trainedOn"
        case .workforce: "declaredOn"
        }
    }
}
