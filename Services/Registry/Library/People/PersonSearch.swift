import ContractValues
import EventBus
import Foundation
import Hummingbird
import HummingbirdCore
import Postgres
import ServiceKit

/// `GET /v1/people` filters: `q` (name, with or without diacritics), `nationalId`, `communeCode`,
/// `status` (today's), `ageBand` (`under14`, `14-15`, `16-17`, `18-29`, `30+`), `limit`, `after`
/// (the `next` cursor of the previous page). Ordered by folded name, then id: stable across pages.
struct PersonSearch {
    var text: String?
    var nationalID: String?
    var communeCode: String?
    var status: String?
    var birthYears: ClosedRange<Int>?
    var limit: Int
    var after: (name: String, id: UUID)?

    /// The query parameters of `GET /v1/people`.
    static let parameters: [QueryParameter] = [
        QueryParameter(
            "q", .formatted(.searchText(letters: 3...100), maxLength: 300), "Name, with or without diacritics (3 to 100 letters or digits)"),
        QueryParameter("nationalId", .formatted(.nationalID), "A 12-digit CCCD or 9-digit CMND"),
        QueryParameter("communeCode", .formatted(.communeCode), "A 5-digit commune code of the 2025 list"),
        QueryParameter("status", values: ManagementStatus.rawValues + ["none"], "Today's management status"),
        QueryParameter("ageBand", values: ["under14", "14-15", "16-17", "18-29", "30+"], "Age this year"),
        .after, .limit(maximum: 200),
    ]
    static let ageBands = ["under14": (0, 13), "14-15": (14, 15), "16-17": (16, 17), "18-29": (18, 29), "30+": (30, 150)]

    struct Page: ResponseCodable {
        let items: [Person]
        /// Pass as `after` for the next page; absent on the last page. Opaque.
        let next: String?
    }

    init(query: FlatDictionary<Substring, Substring>, today: CalendarDate = .today()) throws {
        var validator = FieldValidator()
        text = query["q"].map { SearchText.fold(String($0)) }
        nationalID = query["nationalId"].map(String.init)
        communeCode = query["communeCode"].map(String.init)
        status = query["status"].map(String.init)
        if let band = query["ageBand"], let (low, high) = Self.ageBands[String(band)] {
            birthYears = (today.year - high)...(today.year - low)
        }
        if let cursor = query["after"] {
            if let data = Data(base64Encoded: String(cursor)), let text = String(data: data, encoding: .utf8),
                let split = text.lastIndex(of: "|"), let id = UUID(uuidString: String(text[text.index(after: split)...]))
            {
                after = (String(text[..<split]), id)
            } else {
                validator.add("?after", "must be the next cursor of an earlier page")
            }
        }
        limit = query.limit(default: 50)
        try validator.finish()
    }

    func run(on connection: PostgresConnection, visible: SQLFragment, today: CalendarDate = .today()) async throws -> Page {
        var conditions: [SQLFragment] = ["(\(visible))"]
        if let text {
            let pattern = "%" + text.replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: "") + "%"
            conditions.append("p.search_name LIKE \(pattern)")
        }
        if let nationalID { conditions.append("p.national_id = \(nationalID)") }
        if let communeCode { conditions.append("p.residence_commune_code = \(communeCode)") }
        if let birthYears { conditions.append("p.birth_year BETWEEN \(birthYears.lowerBound) AND \(birthYears.upperBound)") }
        if let status {
            let current: SQLFragment = """
                (SELECT st.status FROM registry.person_statuses st
                 WHERE st.person_id = p.id AND st.valid_from <= \(today) AND (st.valid_to IS NULL OR st.valid_to > \(today))
                 ORDER BY st.valid_from DESC LIMIT 1)
                """
            conditions.append(status == "none" ? "\(current) IS NULL" : "\(current) = \(status)")
        }
        if let after { conditions.append("(p.search_name, p.id) > (\(after.name), \(after.id))") }
        let filter = SQLFragment(joining: conditions, separator: " AND ")
        // A name search first finds the matches through the trigram index, then orders them: left
        // to itself the planner walks the name index in order and filters, which for a name far
        // down the alphabet reads most of the table. Without a name, the ordered walk is right.
        let page: SQLFragment =
            text == nil
            ? "SELECT p.* FROM registry.people p WHERE \(filter) ORDER BY p.search_name, p.id LIMIT \(limit + 1)"
            : """
            SELECT p.* FROM (SELECT p.* FROM registry.people p WHERE \(filter) OFFSET 0) p
            ORDER BY p.search_name, p.id LIMIT \(limit + 1)
            """
        // Planned for the actual filters every time (unprepared): a generic plan cannot tell a rare
        // name from an absent filter.
        let query: PostgresQuery = """
            SELECT \(sql: Person.columns) FROM (\(page)) p \(Person.statusJoin(on: today))
            ORDER BY p.search_name, p.id
            """
        let rows = try await connection.query(query.unprepared())
        let people = try rows.prefix(limit).map(Person.init(row:))
        var next: String?
        if rows.count > limit, let last = people.last {
            next = Data((SearchText.fold(last.fullName) + "|" + last.id.uuidString.lowercased()).utf8).base64EncodedString()
        }
        return Page(items: people, next: next)
    }
}
