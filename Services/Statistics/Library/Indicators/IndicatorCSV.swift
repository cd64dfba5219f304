import Foundation
import HTTPTypes
import Hummingbird
import Postgres

/// Indicator values as CSV: UTF-8 with a byte-order mark (so spreadsheet programs read Vietnamese
/// names), a header, and one row per indicator x unit x period x breakdown value.
enum IndicatorCSV {
    static let header = [
        "indicator", "generation", "area_code", "area_name", "period_start", "period_end", "breakdown", "breakdown_value", "numerator",
        "denominator", "value", "amount_vnd", "previous_value", "suppressed", "target_minimum", "target_maximum", "gap", "status",
    ]

    static func response(_ values: [IndicatorValues], filename: String) -> Response {
        var text = "\u{FEFF}" + header.joined(separator: ",") + "\r\n"
        for indicator in values {
            for row in indicator.items {
                let fields: [String] = [
                    indicator.indicator, indicator.generation, row.areaCode, row.areaName ?? "", row.periodStart.description,
                    row.periodEnd.description,
                    row.breakdown == nil ? "" : (indicator.breakdown ?? ""), row.breakdown ?? "",
                    row.numerator.map(String.init) ?? "", row.denominator.map(String.init) ?? "", row.value.map { String($0) } ?? "",
                    row.amountVnd.map(String.init) ?? "", row.previousValue.map { String($0) } ?? "", row.suppressed ? "true" : "false",
                    row.target?.minimum.map { String($0) } ?? "", row.target?.maximum.map { String($0) } ?? "", row.gap.map { String($0) } ?? "",
                    row.status?.rawValue ?? "",
                ]
                text += fields.map(ExportTable.csvField).joined(separator: ",") + "\r\n"
            }
        }
        var headers = HTTPFields()
        headers[.contentType] = "text/csv; charset=utf-8"
        headers[.contentDisposition] = "attachment; filename=\"\(filename).csv\""
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
