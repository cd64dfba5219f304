/// Reads RFC 4180 CSV from UTF-8 bytes given whole: quoted fields with `""` escapes and line
/// breaks, CRLF or LF line ends, a leading byte-order mark ignored. See `CSVParser` for input that
/// arrives in pieces (an upload read as it comes).
public struct CSVReader: Sequence {
    private let bytes: [UInt8]

    public init(_ text: String) {
        self.init(bytes: Array(text.utf8))
    }

    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// One record, with the 1-based line it starts on.
    public struct Record: Sendable {
        public let line: Int
        public let fields: [String]
        /// The indexes of fields whose bytes are not valid UTF-8 (their text holds U+FFFD where
        /// the bytes were: never to be stored).
        public let malformed: [Int]
    }

    public func makeIterator() -> Iterator {
        var parser = CSVParser()
        parser.feed(bytes)
        parser.end()
        return Iterator(parser: parser)
    }

    public struct Iterator: IteratorProtocol {
        var parser: CSVParser

        public mutating func next() -> Record? { parser.next() }
    }
}

/// Parses CSV fed in pieces of any size (a record may span pieces, even a `""` escape): `feed`
/// the bytes as they arrive and take the complete records with `next`; after `end`, `next` also
/// gives the last record when the input does not end with a line break. It keeps only the
/// record in progress and the bytes not read yet, so a file of any size is read in bounded memory.
public struct CSVParser {
    private var pending: [UInt8] = []
    private var index = 0
    private var line = 1
    private var checkedMark = false
    private var ended = false
    // The record in progress.
    private var start = 1
    private var fields: [String] = []
    private var malformed: [Int] = []
    private var field: [UInt8] = []
    private var quoted = false
    private var wasQuoted = false
    /// A quote inside a quoted field was the last byte read: the next byte says whether it was
    /// an escaped quote or the closing one.
    private var quoteAtEnd = false

    public init() {}

    /// Adds the next bytes of the input.
    public mutating func feed(_ bytes: some Sequence<UInt8>) {
        if index > 0, index >= pending.count / 2 {
            pending.removeFirst(index)
            index = 0
        }
        pending.append(contentsOf: bytes)
    }

    /// No more bytes will come.
    public mutating func end() {
        ended = true
    }

    /// The next complete record, or nil until more bytes arrive (after `end`: when none is left).
    public mutating func next() -> CSVReader.Record? {
        if !checkedMark {
            guard ended || pending.count - index >= 3 else { return nil }
            checkedMark = true
            if pending[index...].starts(with: [0xEF, 0xBB, 0xBF]) { index += 3 }
        }
        while index < pending.count {
            let byte = pending[index]
            index += 1
            if quoteAtEnd {
                quoteAtEnd = false
                if byte == UInt8(ascii: "\"") {
                    field.append(byte)
                    continue
                }
                quoted = false
            }
            if quoted {
                if byte == UInt8(ascii: "\"") {
                    quoteAtEnd = true
                } else {
                    if byte == UInt8(ascii: "\n") { line += 1 }
                    field.append(byte)
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\"") where field.isEmpty && !wasQuoted:
                quoted = true
                wasQuoted = true
            case UInt8(ascii: ","):
                endField()
            case UInt8(ascii: "\r"):
                continue
            case UInt8(ascii: "\n"):
                line += 1
                endField()
                return endRecord()
            default:
                field.append(byte)
            }
        }
        guard ended else { return nil }
        // The input ended: a quote read last closed its field, and an unfinished record is the last.
        quoteAtEnd = false
        guard !field.isEmpty || !fields.isEmpty || wasQuoted else { return nil }
        endField()
        return endRecord()
    }

    private mutating func endField() {
        if let text = String(validating: field, as: UTF8.self) {
            fields.append(text)
        } else {
            malformed.append(fields.count)
            fields.append(String(decoding: field, as: UTF8.self))
        }
        field.removeAll(keepingCapacity: true)
        wasQuoted = false
        quoted = false
    }

    private mutating func endRecord() -> CSVReader.Record {
        let record = CSVReader.Record(line: start, fields: fields, malformed: malformed)
        fields = []
        malformed = []
        start = line
        return record
    }
}
