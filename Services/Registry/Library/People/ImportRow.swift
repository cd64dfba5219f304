import ContractValues
import Foundation
import Postgres
import ServiceKit

/// One row of a people import file, checked.
///
/// Columns (header row required, in any order; unknown columns refused): `full_name`, `sex`
/// (male/female), `birth_date` (YYYY-MM-DD) or `birth_year`, `commune_code` (2025 list) required;
/// `ethnicity`, `national_id` (12-digit CCCD or 9-digit CMND), `address`, `phone`, `occupation`,
/// `education`, `substances` (codes separated by `;`), `notes`, `management_decision_date`,
/// `management_decision_number` optional.
struct ImportRow: Sendable {
    static let required = ["full_name", "sex", "commune_code"]
    static let optional = [
        "birth_date", "birth_year", "ethnicity", "national_id", "address", "phone", "occupation", "education", "substances",
        "notes", "management_decision_date", "management_decision_number",
    ]

    let line: Int
    let fullName: String
    let searchName: String
    let birthDate: CalendarDate?
    let birthYear: Int
    let sex: String
    let ethnicity: String?
    let nationalID: NationalID?
    let communeCode: String
    let provinceCode: String
    let address: String?
    let phone: String?
    let occupation: String?
    let education: String?
    let substances: [String]
    let notes: String?
    let decisionDate: CalendarDate?
    let decisionNumber: String?

    /// What the rows are checked against.
    struct Context {
        /// 2025 commune code → province code.
        let communes: [String: String]
        let legacyProvinces: Set<String>
        let today: CalendarDate
        /// Whether the importing account may place someone in a commune of a province.
        let mayPlace: (_ commune: String, _ province: String) -> Bool
    }

    /// Reads `fields` by `columns` (header name → index); returns the row or its problems
    /// (`column: reason`). `malformed`: the indexes of fields that were not UTF-8.
    static func read(
        line: Int, fields: [String], malformed: [Int] = [], columns: [String: Int], context: Context
    ) -> Result<ImportRow, ImportRejection> {
        var problems: [ImportRejection.Problem] = []
        // Text is stored exactly as sent or not at all: no replacement characters, no control
        // characters (line breaks only in notes).
        for (name, index) in columns.sorted(by: { $0.value < $1.value }) where index < fields.count {
            if malformed.contains(index) {
                problems.append(.init(column: name, detail: "is not valid UTF-8 text (save the file as UTF-8)"))
            } else if let character = fields[index].firstControlCharacter(allowingLineBreaks: name == "notes") {
                problems.append(.init(column: name, detail: controlCharacterProblem(character)))
            }
        }
        func value(_ name: String) -> String? {
            guard let index = columns[name], index < fields.count else { return nil }
            let text = fields[index].trimmingWhitespace()
            return text.isEmpty ? nil : text
        }
        func fail(_ column: String, _ reason: String) { problems.append(.init(column: column, detail: reason)) }
        func limited(_ name: String, _ max: Int) -> String? {
            guard let text = value(name) else { return nil }
            if text.count > max { fail(name, "must be at most \(max) characters") }
            return text
        }

        let fullName = limited("full_name", 200)
        if fullName == nil { fail("full_name", "is required") }
        let sex = value("sex")
        if let sex, Sex(rawValue: sex) == nil { fail("sex", "must be male or female") }
        if sex == nil { fail("sex", "is required") }
        var birthDate: CalendarDate?
        if let text = value("birth_date") {
            if text.count == 10, let date = CalendarDate(text), date.year >= 1900, date <= context.today {
                birthDate = date
            } else {
                fail("birth_date", "must be a past date written YYYY-MM-DD")
            }
        }
        var birthYear = birthDate?.year
        if let text = value("birth_year") {
            if let year = Int(text), (1900...context.today.year).contains(year) {
                if let birthYear, birthYear != year { fail("birth_year", "must be the year of birth_date") }
                birthYear = year
            } else {
                fail("birth_year", "must be a year from 1900 to \(context.today.year)")
            }
        }
        if birthYear == nil && value("birth_date") == nil && value("birth_year") == nil {
            fail("birth_date", "birth_date or birth_year is required")
        }
        let commune = value("commune_code")
        let province = commune.flatMap { context.communes[$0] }
        if commune == nil {
            fail("commune_code", "is required")
        } else if province == nil {
            fail("commune_code", "is not a commune code of the 2025 list")
        } else if !context.mayPlace(commune!, province!) {
            fail("commune_code", "is outside your jurisdiction")
        }
        var nationalID: NationalID?
        if let text = value("national_id") {
            let (parsed, reasons) = NationalID.parse(text, sex: sex, birthYear: birthYear)
            for reason in reasons { fail("national_id", reason) }
            if let parsed, let code = parsed.birthProvinceCode, !context.legacyProvinces.contains(code) {
                fail("national_id", "its first 3 digits are not a province code")
            }
            nationalID = parsed
        }
        let phone = limited("phone", 20)
        if let phone, !(phone.count >= 8 && phone.allSatisfy({ ($0.isASCII && $0.isNumber) || $0 == "+" || $0 == " " || $0 == "." })) {
            fail("phone", "must be a phone number of 8 to 20 digits")
        }
        var substances: [String] = []
        if let text = value("substances") {
            for item in text.split(separator: ";").map({ $0.trimmingWhitespace() }) where !item.isEmpty {
                if PersonInput.substances.contains(item) { substances.append(item) } else { fail("substances", "'\(item)' is not a substance code") }
            }
        }
        var decisionDate: CalendarDate?
        if let text = value("management_decision_date") {
            if text.count == 10, let date = CalendarDate(text), date <= context.today {
                decisionDate = date
            } else {
                fail("management_decision_date", "must be a past date written YYYY-MM-DD")
            }
        }
        let ethnicity = limited("ethnicity", 50)
        let address = limited("address", 300)
        let occupation = limited("occupation", 100)
        let education = limited("education", 100)
        let notes = limited("notes", 4000)
        let decisionNumber = limited("management_decision_number", 100)
        guard problems.isEmpty, let fullName, let sex, let birthYear, let commune, let province else {
            return .failure(ImportRejection(line: line, problems: problems))
        }
        return .success(
            ImportRow(
                line: line, fullName: fullName, searchName: SearchText.fold(fullName), birthDate: birthDate, birthYear: birthYear,
                sex: sex, ethnicity: ethnicity, nationalID: nationalID, communeCode: commune, provinceCode: province, address: address,
                phone: phone, occupation: occupation, education: education, substances: Array(Set(substances)).sorted(), notes: notes,
                decisionDate: decisionDate, decisionNumber: decisionNumber))
    }
}

/// Why a row was not imported.
struct ImportRejection: Codable, Sendable, Error {
    struct Problem: Codable, Sendable {
        let column: String
        let detail: String
    }

    let line: Int
    let problems: [Problem]
}
