import EventBus
import Foundation
import HTTPTypes
import Hummingbird
import ServiceKit

/// The rows of an export, answered as JSON or as CSV (`?format=csv`, UTF-8 with a byte-order
/// mark so spreadsheet programs read Vietnamese area names correctly).
///
/// For other agencies' keys, counts from 1 to `smallCellLimit - 1` are suppressed (`count` null,
/// `suppressed` true, sums with them): a cell of two people in one commune can point at them.
struct ExportTable: Sendable {
    /// The smallest count shown to other agencies.
    static let smallCellLimit = 5

    let dataset: String
    /// The export's parameters, echoed back (period, grouping, area).
    var parameters: [String: String]
    /// Column names, in order; `count` and the `sums` columns are the measures.
    let dimensions: [String]
    let sums: [String]
    var rows: [(dimensions: [String?], count: Int, sums: [Int?])]

    /// Suppresses small cells in place; returns how many were.
    mutating func suppressSmallCells() -> Int {
        var suppressed = 0
        for index in rows.indices where rows[index].count > 0 && rows[index].count < Self.smallCellLimit {
            rows[index].count = -1
            rows[index].sums = rows[index].sums.map { _ in nil }
            suppressed += 1
        }
        return suppressed
    }

    func response(format: String) throws -> Response {
        if format == "csv" {
            var text = "\u{FEFF}" + (dimensions + ["count"] + sums + ["suppressed"]).map(Self.csvField).joined(separator: ",") + "\r\n"
            for row in rows {
                let count = row.count < 0 ? "" : String(row.count)
                let fields =
                    row.dimensions.map { Self.csvField($0 ?? "") } + [count] + row.sums.map { $0.map(String.init) ?? "" } + [
                        row.count < 0 ? "true" : "false"
                    ]
                text += fields.joined(separator: ",") + "\r\n"
            }
            var headers = HTTPFields()
            headers[.contentType] = "text/csv; charset=utf-8"
            headers[.contentDisposition] = "attachment; filename=\"\(dataset).csv\""
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        }
        var items: [[String: JSONValue]] = []
        for row in rows {
            var item: [String: JSONValue] = [:]
            for (name, value) in zip(dimensions, row.dimensions) { item[name] = value.map(JSONValue.string) ?? .null }
            item["count"] = row.count < 0 ? .null : .number(Double(row.count))
            for (name, value) in zip(sums, row.sums) { item[name] = value.map { .number(Double($0)) } ?? .null }
            item["suppressed"] = .bool(row.count < 0)
            items.append(item)
        }
        return try Response.json(Document(dataset: dataset, parameters: parameters, items: items))
    }

    /// The JSON answer: the dataset, its parameters and a row per item (the dataset's dimension
    /// columns, `count`, its sums and `suppressed`).
    struct Document: Codable {
        let dataset: String
        let parameters: [String: String]
        let items: [[String: JSONValue]]
    }

    /// A CSV field, quoted when needed; a leading `=`, `+`, `-` or `@` is prefixed with `'` so a
    /// spreadsheet never runs it as a formula.
    static func csvField(_ text: String) -> String {
        var value = text
        if let first = value.first, "=+-@".contains(first) { value = "'" + value }
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
