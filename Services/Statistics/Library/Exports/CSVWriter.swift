import NIOCore

/// Writes CSV straight into bytes: fields separated by commas, rows ended by CRLF. Text is
/// quoted when it holds a comma, a quote or a line break, and a text beginning with `=`, `+`, `-`
/// or `@` gets a leading `'` so spreadsheet programs never run it as a formula (as
/// `ExportTable.csvField`); numbers are written as they are.
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

    private mutating func separate() {
        if rowStarted { buffer.writeInteger(UInt8(ascii: ",")) } else { rowStarted = true }
    }

    mutating func endRow() {
        buffer.writeInteger(UInt16(0x0D0A), endianness: .big)
        rowStarted = false
    }

    /// A text field (empty for nil).
    mutating func text(_ value: String?) {
        separate()
        guard var value, !value.isEmpty else { return }
        let needsQuotes = value.utf8.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D }
        let guarded = value.utf8.first.map { [UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@")].contains($0) } ?? false
        guard needsQuotes || guarded else {
            buffer.writeString(value)
            return
        }
        if guarded { value = "'" + value }
        if needsQuotes {
            buffer.writeInteger(UInt8(ascii: "\""))
            buffer.writeString(value.replacing("\"", with: "\"\""))
            buffer.writeInteger(UInt8(ascii: "\""))
        } else {
            buffer.writeString(value)
        }
    }

    /// An integer field (empty for nil).
    mutating func integer(_ value: Int?) {
        separate()
        guard let value else { return }
        writeDigits(value)
    }

    /// A number field as Swift prints it (`33.3`, `100.0`; empty for nil), with a fast path for
    /// the one-decimal figures of indicators.
    mutating func number(_ value: Double?) {
        separate()
        guard let value else { return }
        let tenths = (value * 10).rounded()
        if abs(tenths) < 1e15, tenths / 10 == value {
            let whole = Int(tenths)
            if whole < 0 { buffer.writeInteger(UInt8(ascii: "-")) }
            writeDigits(abs(whole) / 10)
            buffer.writeInteger(UInt8(ascii: "."))
            buffer.writeInteger(UInt8(ascii: "0") + UInt8(abs(whole) % 10))
        } else {
            buffer.writeString(value.description)
        }
    }

    /// A date field, `YYYY-MM-DD`.
    mutating func date(year: Int, month: Int, day: Int) {
        separate()
        guard (0...9999).contains(year) else {
            buffer.writeString("\(year)-\(month)-\(day)")
            return
        }
        let zero = UInt8(ascii: "0")
        buffer.writeBytes([
            zero + UInt8(year / 1000), zero + UInt8(year / 100 % 10), zero + UInt8(year / 10 % 10), zero + UInt8(year % 10), UInt8(ascii: "-"),
            zero + UInt8(month / 10), zero + UInt8(month % 10), UInt8(ascii: "-"), zero + UInt8(day / 10), zero + UInt8(day % 10),
        ])
    }

    private mutating func writeDigits(_ value: Int) {
        guard value != Int.min else {
            buffer.writeString(String(value))
            return
        }
        var magnitude = value.magnitude
        if value < 0 { buffer.writeInteger(UInt8(ascii: "-")) }
        // At most 19 digits, written from the end of a fixed buffer.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var start = 20
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(digits)[start..<20]))
        }
    }
}
