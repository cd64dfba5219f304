/// Writes CSV fields straight into memory reserved beforehand (`CSVWriter.row`): each field
/// separated from the one before by a comma, with no capacity check of its own. Text is quoted
/// when it holds a comma, a quote or a line break, and a text beginning with `=`, `+`, `-` or `@`
/// gets a leading `'` so spreadsheet programs never run it as a formula (as
/// `ExportTable.csvField`); numbers are written as they are.
struct CSVFields {
    private let bytes: UnsafeMutableRawBufferPointer
    /// The next byte to write.
    private(set) var at: Int
    private(set) var started: Bool

    init(bytes: UnsafeMutableRawBufferPointer, at: Int, started: Bool) {
        self.bytes = bytes
        self.at = at
        self.started = started
    }

    /// The most bytes a text field can take (quotes, a guard, every byte doubled, the separator).
    static func limit(ofText value: String?) -> Int { (value?.utf8.count ?? 0) * 2 + 4 }

    /// The most bytes a number, integer or date field takes (with its separator).
    static let numberLimit = 33

    private mutating func separate() {
        if started {
            put(UInt8(ascii: ","))
        }
        started = true
    }

    private mutating func put(_ byte: UInt8) {
        bytes[at] = byte
        at += 1
    }

    /// Fields written before by another writer (`CSVWriter.fields`), as they are.
    mutating func fields(_ written: [UInt8]) {
        written.withUnsafeBytes { fields($0) }
    }

    /// Fields written before by another writer, as they are, from where they are kept.
    mutating func fields(_ written: UnsafeRawBufferPointer) {
        separate()
        UnsafeMutableRawBufferPointer(rebasing: bytes[at...]).copyMemory(from: written)
        at += written.count
    }

    /// A text field (empty for nil); `guardingFormulas` false for a number's text.
    mutating func text(_ value: String?, guardingFormulas: Bool = true) {
        separate()
        guard var value, !value.isEmpty else { return }
        value.makeContiguousUTF8()
        value.utf8.withContiguousStorageIfAvailable { source in
            let needsQuotes = source.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D }
            let first = source[0]
            let guarded =
                guardingFormulas
                && (first == UInt8(ascii: "=") || first == UInt8(ascii: "+") || first == UInt8(ascii: "-") || first == UInt8(ascii: "@"))
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
        }
    }

    /// `true` or `false`, copied as bytes (no string is made per row).
    mutating func boolean(_ value: Bool) {
        separate()
        let (word, count): (UInt64, Int) = value ? (0x6575_7274, 4) : (0x65_736c_6166, 5)
        withUnsafeBytes(of: word.littleEndian) { source in
            UnsafeMutableRawBufferPointer(rebasing: bytes[at..<at + count]).copyMemory(from: UnsafeRawBufferPointer(rebasing: source[0..<count]))
        }
        at += count
    }

    /// The most bytes a boolean field takes (with its separator).
    static let booleanLimit = 6

    /// An integer field (empty for nil).
    mutating func integer(_ value: Int?) {
        separate()
        if let value { digits(value) }
    }

    /// A number field as Swift prints it (`33.3`, `100.0`; empty for nil), with a fast path for
    /// the one-decimal figures of indicators.
    mutating func number(_ value: Double?) {
        guard let value else { return separate() }
        let tenths = (value * 10).rounded()
        guard abs(tenths) < 1e15, tenths / 10 == value else { return text(value.description, guardingFormulas: false) }
        separate()
        let whole = Int(tenths)
        if whole < 0 { put(UInt8(ascii: "-")) }
        digits(abs(whole) / 10)
        put(UInt8(ascii: "."))
        put(UInt8(ascii: "0") + UInt8(abs(whole) % 10))
    }

    /// A date field, `YYYY-MM-DD` (the year in four digits, as dates have it).
    mutating func date(year: Int, month: Int, day: Int) {
        separate()
        func put(_ number: Int, width: Int) {
            var number = number
            for position in stride(from: at + width - 1, through: at, by: -1) {
                bytes[position] = UInt8(ascii: "0") + UInt8(number % 10)
                number /= 10
            }
            at += width
        }
        put(year, width: 4)
        self.put(UInt8(ascii: "-"))
        put(month, width: 2)
        self.put(UInt8(ascii: "-"))
        put(day, width: 2)
    }

    /// Ends the row (CRLF).
    mutating func endRow() {
        put(0x0D)
        put(0x0A)
        started = false
    }

    /// Writes `value`'s decimal digits (with a minus sign).
    private mutating func digits(_ value: Int) {
        var magnitude = value.magnitude
        var length = 1
        while magnitude >= 10 {
            magnitude /= 10
            length += 1
        }
        if value < 0 { put(UInt8(ascii: "-")) }
        magnitude = value.magnitude
        for position in stride(from: at + length - 1, through: at, by: -1) {
            bytes[position] = UInt8(ascii: "0") + UInt8(magnitude % 10)
            magnitude /= 10
        }
        at += length
    }
}
