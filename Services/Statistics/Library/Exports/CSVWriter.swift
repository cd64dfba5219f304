import NIOCore

/// Writes CSV straight into bytes: fields separated by commas, rows ended by CRLF, written by
/// `CSVFields` (quoting, formula guards and number formats are its). A whole row written with
/// `row(atMost:_:)` costs one capacity check; the single-field methods one each.
struct CSVWriter {
    private(set) var buffer: ByteBuffer
    private var rowStarted = false

    init(capacity: Int) {
        buffer = ByteBufferAllocator().buffer(capacity: capacity)
    }

    /// The UTF-8 byte-order mark, for spreadsheet programs to read Vietnamese names.
    mutating func writeByteOrderMark() {
        buffer.writeBytes([0xEF, 0xBB, 0xBF])
    }

    /// Hands over what is written so far and starts an empty buffer of the same capacity.
    mutating func take() -> ByteBuffer {
        let taken = buffer
        buffer = ByteBufferAllocator().buffer(capacity: max(taken.capacity, 1024))
        return taken
    }

    /// Writes fields with `body`, which must write at most `count` bytes (separators and a row's
    /// end included: see the limits of `CSVFields`).
    mutating func row(atMost count: Int, _ body: (inout CSVFields) -> Void) {
        let started = rowStarted
        var ended = started
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { bytes in
            var fields = CSVFields(bytes: bytes, at: 0, started: started)
            body(&fields)
            ended = fields.started
            return fields.at
        }
        rowStarted = ended
    }

    /// Fields written before by another writer (`fields` of it), as they are.
    mutating func fields(_ bytes: [UInt8]) { row(atMost: bytes.count + 1) { $0.fields(bytes) } }

    /// What is written so far, as bytes to hand to `fields(_:)` of another writer.
    var fields: [UInt8] { Array(buffer.readableBytesView) }

    mutating func endRow() { row(atMost: 2) { $0.endRow() } }

    /// A text field (empty for nil); `guardingFormulas` false for a number's text.
    mutating func text(_ value: String?, guardingFormulas: Bool = true) {
        row(atMost: CSVFields.limit(ofText: value)) { $0.text(value, guardingFormulas: guardingFormulas) }
    }

    /// An integer field (empty for nil).
    mutating func integer(_ value: Int?) { row(atMost: CSVFields.numberLimit) { $0.integer(value) } }

    /// A number field as Swift prints it (`33.3`, `100.0`; empty for nil).
    mutating func number(_ value: Double?) { row(atMost: CSVFields.numberLimit) { $0.number(value) } }

    /// A date field, `YYYY-MM-DD`.
    mutating func date(year: Int, month: Int, day: Int) { row(atMost: CSVFields.numberLimit) { $0.date(year: year, month: month, day: day) } }
}
