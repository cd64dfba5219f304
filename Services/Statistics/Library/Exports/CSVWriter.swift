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

    /// Writes at most `count` bytes (the separator before a field included) with `body`, which
    /// returns how many it wrote: one capacity check per field rather than per byte.
    private mutating func field(atMost count: Int, _ body: (UnsafeMutableRawBufferPointer, Int) -> Int) {
        let separated = rowStarted
        rowStarted = true
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count + 1) { bytes in
            var at = 0
            if separated {
                bytes[0] = UInt8(ascii: ",")
                at = 1
            }
            return at + body(bytes, at)
        }
    }

    /// Fields written before by another writer (`fields` of it), as they are.
    mutating func fields(_ bytes: [UInt8]) {
        field(atMost: bytes.count) { buffer, start in
            bytes.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: buffer[start...]).copyMemory(from: $0) }
            return bytes.count
        }
    }

    /// What is written so far, as bytes to hand to `fields(_:)` of another writer.
    var fields: [UInt8] { Array(buffer.readableBytesView) }

    mutating func endRow() {
        buffer.writeInteger(UInt16(0x0D0A), endianness: .big)
        rowStarted = false
    }

    /// A text field (empty for nil); `guardingFormulas` false for a number's text.
    mutating func text(_ value: String?, guardingFormulas: Bool = true) {
        guard var value, !value.isEmpty else { return field(atMost: 0) { _, _ in 0 } }
        value.makeContiguousUTF8()
        value.utf8.withContiguousStorageIfAvailable { source in
            let needsQuotes = source.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D }
            let first = source[0]
            let guarded =
                guardingFormulas
                && (first == UInt8(ascii: "=") || first == UInt8(ascii: "+") || first == UInt8(ascii: "-") || first == UInt8(ascii: "@"))
            field(atMost: source.count * 2 + 3) { bytes, start in
                var at = start
                func put(_ byte: UInt8) {
                    bytes[at] = byte
                    at += 1
                }
                if needsQuotes { put(UInt8(ascii: "\"")) }
                if guarded { put(UInt8(ascii: "'")) }
                if needsQuotes {
                    for byte in source {
                        if byte == UInt8(ascii: "\"") { put(byte) }
                        put(byte)
                    }
                    put(UInt8(ascii: "\""))
                } else {
                    UnsafeMutableRawBufferPointer(rebasing: bytes[at...]).copyMemory(from: UnsafeRawBufferPointer(source))
                    at += source.count
                }
                return at - start
            }
        }
    }

    /// An integer field (empty for nil).
    mutating func integer(_ value: Int?) {
        field(atMost: 20) { bytes, start in value.map { Self.digits($0, into: bytes, at: start) } ?? 0 }
    }

    /// A number field as Swift prints it (`33.3`, `100.0`; empty for nil), with a fast path for
    /// the one-decimal figures of indicators.
    mutating func number(_ value: Double?) {
        guard let value else { return field(atMost: 0) { _, _ in 0 } }
        let tenths = (value * 10).rounded()
        guard abs(tenths) < 1e15, tenths / 10 == value else { return text(value.description, guardingFormulas: false) }
        field(atMost: 20) { bytes, start in
            let whole = Int(tenths)
            var at = start
            if whole < 0 {
                bytes[at] = UInt8(ascii: "-")
                at += 1
            }
            at += Self.digits(abs(whole) / 10, into: bytes, at: at)
            bytes[at] = UInt8(ascii: ".")
            bytes[at + 1] = UInt8(ascii: "0") + UInt8(abs(whole) % 10)
            return at + 2 - start
        }
    }

    /// A date field, `YYYY-MM-DD` (the year in four digits, as dates have it).
    mutating func date(year: Int, month: Int, day: Int) {
        field(atMost: 10) { bytes, start in
            func put(_ number: Int, width: Int, at end: Int) {
                var number = number
                for position in stride(from: end, to: end - width, by: -1) {
                    bytes[position] = UInt8(ascii: "0") + UInt8(number % 10)
                    number /= 10
                }
            }
            put(year, width: 4, at: start + 3)
            bytes[start + 4] = UInt8(ascii: "-")
            put(month, width: 2, at: start + 6)
            bytes[start + 7] = UInt8(ascii: "-")
            put(day, width: 2, at: start + 9)
            return 10
        }
    }

    /// Writes `value`'s decimal digits (with a minus sign) at `start`; returns how many bytes.
    private static func digits(_ value: Int, into bytes: UnsafeMutableRawBufferPointer, at start: Int) -> Int {
        var magnitude = value.magnitude
        var length = 1
        while magnitude >= 10 {
            magnitude /= 10
            length += 1
        }
        let sign = value < 0 ? 1 : 0
        if sign == 1 { bytes[start] = UInt8(ascii: "-") }
        magnitude = value.magnitude
        for position in stride(from: start + sign + length - 1, through: start + sign, by: -1) {
            bytes[position] = UInt8(ascii: "0") + UInt8(magnitude % 10)
            magnitude /= 10
        }
        return sign + length
    }
}
