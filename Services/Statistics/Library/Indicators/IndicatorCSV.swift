import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Postgres

/// Indicator values as CSV: UTF-8 with a byte-order mark (so spreadsheet programs read Vietnamese
/// names), a header, and one row per indicator x unit x period x breakdown value. Streamed in
/// pieces of about `chunkSize` bytes: the whole text is never held at once.
enum IndicatorCSV {
    static let header = [
        "indicator", "generation", "area_code", "area_name", "period_start", "period_end", "breakdown", "breakdown_value", "numerator",
        "denominator", "value", "amount_vnd", "previous_value", "suppressed", "target_minimum", "target_maximum", "gap", "status",
    ]

    static let chunkSize = 256 * 1024

    /// A response whose body is the header, then the rows of each indicator `produce` hands to
    /// its `emit`, written out as they come.
    static func response(
        filename: String, _ produce: @escaping @Sendable (_ emit: (IndicatorValues) async throws -> Void) async throws -> Void
    ) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/csv; charset=utf-8"
        headers[.contentDisposition] = "attachment; filename=\"\(filename).csv\""
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                var csv = CSVWriter(capacity: chunkSize + 4096)
                csv.writeByteOrderMark()
                for name in header { csv.text(name) }
                csv.endRow()
                try await produce { indicator in
                    for row in indicator.items {
                        write(row, of: indicator, to: &csv)
                        if csv.buffer.readableBytes >= chunkSize { try await writer.write(csv.take()) }
                    }
                }
                if csv.buffer.readableBytes > 0 { try await writer.write(csv.take()) }
                try await writer.finish(nil)
            })
    }

    private static func write(_ row: IndicatorValues.Row, of indicator: IndicatorValues, to csv: inout CSVWriter) {
        csv.text(indicator.indicator)
        csv.text(indicator.generation)
        csv.text(row.areaCode)
        csv.text(row.areaName)
        csv.date(year: row.periodStart.year, month: row.periodStart.month, day: row.periodStart.day)
        csv.date(year: row.periodEnd.year, month: row.periodEnd.month, day: row.periodEnd.day)
        csv.text(row.breakdown == nil ? nil : indicator.breakdown)
        csv.text(row.breakdown)
        csv.integer(row.numerator)
        csv.integer(row.denominator)
        csv.number(row.value)
        csv.integer(row.amountVnd)
        csv.number(row.previousValue)
        csv.text(row.suppressed ? "true" : "false")
        csv.number(row.target?.minimum)
        csv.number(row.target?.maximum)
        csv.number(row.gap)
        csv.text(row.status?.rawValue)
        csv.endRow()
    }
}
