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
        "denominator", "value", "amount_vnd", "previous_value", "suppressed", "target_minimum", "target_maximum", "gap", "status", "mapped",
    ]

    static let chunkSize = 256 * 1024

    /// A response whose body is the header, then the rows of each indicator `produce` hands to
    /// its `emit`, written out as they come; a row without a name takes its unit's from `units`.
    static func response(
        filename: String, _ produce: @escaping @Sendable (_ emit: (IndicatorValues, AreaUnits) async throws -> Void) async throws -> Void
    ) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/csv; charset=utf-8"
        headers[.contentDisposition] = "attachment; filename=\"\(filename).csv\""
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                var rows = IndicatorCSVRows(chunkSize: chunkSize)
                try await produce { indicator, units in
                    rows.begin(indicator, units: units)
                    while !rows.isDone {
                        rows.writeChunk()
                        if rows.isChunkFull { try await writer.write(rows.take()) }
                    }
                }
                if let last = rows.takeRest() { try await writer.write(last) }
                try await writer.finish(nil)
            })
    }
}
