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
                var repeated = Repeated()
                try await produce { indicator in
                    for row in indicator.items {
                        write(row, of: indicator, to: &csv, repeated: &repeated)
                        if csv.buffer.readableBytes >= chunkSize { try await writer.write(csv.take()) }
                    }
                }
                if csv.buffer.readableBytes > 0 { try await writer.write(csv.take()) }
                try await writer.finish(nil)
            })
    }

    /// The fields that repeat from row to row, written once: the indicator's, each unit's, each
    /// period's and each breakdown value's.
    private struct Repeated {
        var indicator = ""
        var leading: [UInt8] = []
        var units: [String: [UInt8]] = [:]
        var period: (start: CalendarDate, end: CalendarDate)?
        var dates: [UInt8] = []
        var breakdowns: [String: [UInt8]] = [:]

        static func fields(_ write: (inout CSVWriter) -> Void) -> [UInt8] {
            var csv = CSVWriter(capacity: 64)
            write(&csv)
            return csv.fields
        }
    }

    private static func write(_ row: IndicatorValues.Row, of indicator: IndicatorValues, to csv: inout CSVWriter, repeated: inout Repeated) {
        if repeated.indicator != indicator.indicator {
            repeated.indicator = indicator.indicator
            repeated.leading = Repeated.fields { csv in
                csv.text(indicator.indicator)
                csv.text(indicator.generation)
            }
            repeated.breakdowns = [:]
        }
        csv.fields(repeated.leading)
        if let unit = repeated.units[row.areaCode] {
            csv.fields(unit)
        } else {
            let unit = Repeated.fields { csv in
                csv.text(row.areaCode)
                csv.text(row.areaName)
            }
            repeated.units[row.areaCode] = unit
            csv.fields(unit)
        }
        if repeated.period.map({ $0.start != row.periodStart || $0.end != row.periodEnd }) ?? true {
            repeated.period = (row.periodStart, row.periodEnd)
            repeated.dates = Repeated.fields { csv in
                csv.date(year: row.periodStart.year, month: row.periodStart.month, day: row.periodStart.day)
                csv.date(year: row.periodEnd.year, month: row.periodEnd.month, day: row.periodEnd.day)
            }
        }
        csv.fields(repeated.dates)
        let value = row.breakdown ?? ""
        if let breakdown = repeated.breakdowns[value] {
            csv.fields(breakdown)
        } else {
            let breakdown = Repeated.fields { csv in
                csv.text(row.breakdown == nil ? nil : indicator.breakdown)
                csv.text(row.breakdown)
            }
            repeated.breakdowns[value] = breakdown
            csv.fields(breakdown)
        }
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
