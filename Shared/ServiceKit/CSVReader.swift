/// Reads RFC 4180 CSV from UTF-8 bytes: quoted fields with `""` escapes and line breaks, CRLF or
/// LF line ends, a leading byte-order mark ignored. Works on bytes, so a file of hundreds of
/// megabytes costs one copy of itself.
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
        let start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        return Iterator(bytes: bytes, index: start)
    }

    public struct Iterator: IteratorProtocol {
        let bytes: [UInt8]
        var index: Int
        var line = 1

        public mutating func next() -> Record? {
            guard index < bytes.count else { return nil }
            let start = line
            var fields: [String] = []
            var malformed: [Int] = []
            func finish(_ field: [UInt8]) {
                if let text = String(validating: field, as: UTF8.self) {
                    fields.append(text)
                } else {
                    malformed.append(fields.count)
                    fields.append(String(decoding: field, as: UTF8.self))
                }
            }
            var field: [UInt8] = []
            var quoted = false
            var wasQuoted = false
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                if quoted {
                    if byte == UInt8(ascii: "\"") {
                        if index < bytes.count, bytes[index] == UInt8(ascii: "\"") {
                            field.append(byte)
                            index += 1
                        } else {
                            quoted = false
                        }
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
                    finish(field)
                    field.removeAll(keepingCapacity: true)
                    wasQuoted = false
                case UInt8(ascii: "\r"):
                    continue
                case UInt8(ascii: "\n"):
                    line += 1
                    finish(field)
                    return Record(line: start, fields: fields, malformed: malformed)
                default:
                    field.append(byte)
                }
            }
            finish(field)
            return Record(line: start, fields: fields, malformed: malformed)
        }
    }
}
