import ContractValues
import EventBus
import Foundation
import Postgres
import ServiceKit

/// The editable fields of a person, read and checked from a request body.
struct PersonInput: Sendable {
    var fullName: String?
    var birthDate: CalendarDate??
    var birthYear: Int?
    var sex: String?
    var ethnicity: String??
    var nationalID: NationalID??
    var phone: String??
    var occupation: String??
    var education: String??
    var substances: [String]?
    var notes: String??

    /// Substances recorded (codes; other agencies count by them).
    static let substances = Set(Substance.rawValues)

    /// The person's own fields as a registration (`POST /v1/people`) sends them; a change
    /// (`PATCH`) sends any of them (`change`).
    static let fields: [BodySchema.Field] = [
        .text("fullName", maxLength: 200, required: true, "As on the identity card, with diacritics"),
        .date("birthDate", "birthDate or, when only the year is known, birthYear is required"),
        BodySchema.Field("birthYear", .integer(minimum: 1900, maximum: .currentYear)),
        .oneOf("sex", Sex.rawValues, required: true),
        .text("ethnicity", maxLength: 50),
        .text("nationalId", maxLength: 20, "A 12-digit CCCD (or a 9-digit CMND), checked against sex and birth year"),
        BodySchema.Field("phone", .formatted(.phone, maxLength: 20)),
        .text("occupation", maxLength: 100),
        .text("education", maxLength: 100),
        BodySchema.Field("substances", .array(.oneOf(substances.sorted()), maxCount: 50)),
        .text("notes", maxLength: 4000, multiline: true),
    ]

    /// The body of `PATCH /v1/people/{id}`.
    static let change = BodySchema(fields).allOptional

    /// Reads the fields present in `fields`; `current` is the record being changed (nil on create),
    /// against which the national id is checked when sex or birth year are not in the request.
    static func read(_ fields: inout JSONFields, creating: Bool, current: Person? = nil, today: CalendarDate) -> PersonInput {
        var input = PersonInput()
        switch fields.string("fullName") {
        case .value(let name): input.fullName = name
        case .null where !creating: fields.validator.add(fields.path("fullName"), "must not be empty")
        default: break
        }
        switch fields.date("birthDate") {
        case .value(let date):
            fields.validator.require(date.year >= 1900 && date <= today, fields.path("birthDate"), "must be a past date after 1900")
            input.birthDate = .some(date)
        case .null: input.birthDate = .some(nil)
        case .absent: break
        }
        if case .value(let year) = fields.integer("birthYear") { input.birthYear = year }
        if let date = input.birthDate ?? nil {
            if let year = input.birthYear, year != date.year {
                fields.validator.add(fields.path("birthYear"), "must be the year of birthDate")
            }
            input.birthYear = date.year
        }
        if creating, input.birthYear == nil, !fields.has("birthYear") {
            fields.validator.add(fields.path("birthDate"), "birthDate or, when only the year is known, birthYear is required")
        }
        switch fields.string("sex") {
        case .value(let sex): input.sex = sex
        case .null where !creating: fields.validator.add(fields.path("sex"), "must be male or female")
        default: break
        }
        func optional(_ key: String) -> String?? {
            switch fields.string(key) {
            case .value(let text): return .some(text)
            case .null: return .some(nil)
            case .absent: return nil
            }
        }
        input.ethnicity = optional("ethnicity")
        input.occupation = optional("occupation")
        input.education = optional("education")
        input.notes = optional("notes")
        input.phone = optional("phone")
        if case .value(let list) = fields.stringArray("substances") { input.substances = Array(Set(list)).sorted() }
        switch fields.string("nationalId") {
        case .value(let text):
            let (parsed, problems) = NationalID.parse(
                text, sex: input.sex ?? current?.sex, birthYear: input.birthYear ?? current?.birthYear)
            for problem in problems { fields.validator.add(fields.path("nationalId"), problem) }
            if let parsed { input.nationalID = .some(parsed) }
        case .null: input.nationalID = .some(nil)
        case .absent: break
        }
        return input
    }
}
