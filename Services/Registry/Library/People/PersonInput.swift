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
    static let substances: Set<String> = [
        "heroin", "opium", "morphine", "methamphetamine", "amphetamine", "mdma", "ketamine", "cannabis", "cocaine",
        "synthetic_cannabinoids", "new_psychoactive", "other",
    ]
    static let sexes: Set<String> = ["male", "female"]

    static let editable: Set<String> = [
        "fullName", "birthDate", "birthYear", "sex", "ethnicity", "nationalId", "phone", "occupation", "education",
        "substances", "notes",
    ]

    /// Reads the fields present in `fields`; `current` is the record being changed (nil on create),
    /// against which the national id is checked when sex or birth year are not in the request.
    static func read(_ fields: inout JSONFields, creating: Bool, current: Person? = nil, today: CalendarDate) -> PersonInput {
        var input = PersonInput()
        switch fields.string("fullName", required: creating, maxLength: 200) {
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
        if case .value(let year) = fields.integer("birthYear", range: 1900...today.year) { input.birthYear = year }
        if let date = input.birthDate ?? nil {
            if let year = input.birthYear, year != date.year {
                fields.validator.add(fields.path("birthYear"), "must be the year of birthDate")
            }
            input.birthYear = date.year
        }
        if creating, input.birthYear == nil, !fields.has("birthYear") {
            fields.validator.add(fields.path("birthDate"), "birthDate or, when only the year is known, birthYear is required")
        }
        switch fields.string("sex", required: creating) {
        case .value(let sex):
            if sexes.contains(sex) { input.sex = sex } else { fields.validator.add(fields.path("sex"), "must be male or female") }
        case .null where !creating: fields.validator.add(fields.path("sex"), "must be male or female")
        default: break
        }
        func optional(_ key: String, _ maxLength: Int) -> String?? {
            switch fields.string(key, maxLength: maxLength) {
            case .value(let text): return .some(text)
            case .null: return .some(nil)
            case .absent: return nil
            }
        }
        input.ethnicity = optional("ethnicity", 50)
        input.occupation = optional("occupation", 100)
        input.education = optional("education", 100)
        input.notes = optional("notes", 4000)
        if let phone = optional("phone", 20) {
            if let phone, !ContactFormat.isPhone(phone) {
                fields.validator.add(fields.path("phone"), "must be a phone number of 8 to 20 digits")
            }
            input.phone = .some(phone)
        }
        if case .value(let list) = fields.stringArray("substances") {
            for (index, item) in list.enumerated() where !substances.contains(item) {
                fields.validator.add(fields.path("substances") + "/\(index)", "must be one of \(substances.sorted().joined(separator: ", "))")
            }
            input.substances = Array(Set(list)).sorted()
        }
        switch fields.string("nationalId", maxLength: 20) {
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
