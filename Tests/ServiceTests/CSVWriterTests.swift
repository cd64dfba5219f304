import NIOCore
import Testing

@testable import Statistics

/// The byte-level CSV writer behind the indicator exports: text quoted and guarded as
/// `ExportTable.csvField` does, numbers as Swift prints them, dates as `YYYY-MM-DD`.
@Suite("Statistics: CSV written as bytes")
struct CSVWriterTests {
    static func line(_ write: (inout CSVWriter) -> Void) -> String {
        var csv = CSVWriter(capacity: 16)
        write(&csv)
        csv.endRow()
        return String(buffer: csv.buffer)
    }

    @Test func textIsQuotedAndGuardedAsTheOtherExports() {
        let texts = ["Xã Hàm Yên", "a,b", "say \"hi\"", "two\nlines", "=SUM(A1)", "+1", "-2", "@x", "", "Thành phố Hồ Chí Minh, \"mới\""]
        let written = Self.line { csv in
            for text in texts { csv.text(text) }
            csv.text(nil)
        }
        #expect(written == (texts.map(ExportTable.csvField) + [""]).joined(separator: ",") + "\r\n")
    }

    @Test func numbersAreWrittenAsSwiftPrintsThem() {
        let numbers: [Double] = [0, 100, 33.3, -100, -5.5, 0.1, 12345.0, 36.699999999999996, 1e20, -0.05, 2.5e-7]
        let integers = [0, 7, -42, Int.max, Int.min, 1_000_000]
        let written = Self.line { csv in
            for number in numbers { csv.number(number) }
            csv.number(nil)
            for integer in integers { csv.integer(integer) }
            csv.integer(nil)
        }
        let expected = numbers.map(\.description) + [""] + integers.map(String.init) + [""]
        #expect(written == expected.joined(separator: ",") + "\r\n")
    }

    @Test func booleansAreWordsAfterTheirSeparator() {
        var csv = CSVWriter(capacity: 4)
        csv.text("a")
        csv.row(atMost: 4 * CSVFields.booleanLimit + 2) { fields in
            fields.boolean(true)
            fields.boolean(false)
            fields.boolean(false)
            fields.boolean(true)
            fields.endRow()
        }
        #expect(String(buffer: csv.buffer) == "a,true,false,false,true\r\n")
    }

    @Test func datesHaveFourDigitYearsAndTwoDigitMonthsAndDays() {
        let written = Self.line { csv in
            csv.date(year: 2025, month: 7, day: 1)
            csv.date(year: 999, month: 12, day: 31)
        }
        #expect(written == "2025-07-01,0999-12-31\r\n")
    }

    @Test func piecesTakenInTurnMakeTheWholeText() {
        var csv = CSVWriter(capacity: 8)
        var pieces = ""
        for index in 0..<1000 {
            csv.integer(index)
            csv.text("Phường \(index)")
            csv.endRow()
            if csv.buffer.readableBytes > 64 { pieces += String(buffer: csv.take()) }
        }
        pieces += String(buffer: csv.take())
        #expect(pieces == (0..<1000).map { "\($0),Phường \($0)\r\n" }.joined())
    }
}
