/// Reads RFC 4180 CSV (UTF-8; quoted fields with `""` escapes and line breaks; CRLF or LF).
public struct CSVReader: Sequence {
    private let text: String

    public init(_ text: String) {
        // A UTF-8 byte-order mark, as spreadsheet programs write, is not part of the first field.
        self.text = text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text
    }

    /// One record, with the 1-based line it starts on.
    public struct Record: Sendable {
        public let line: Int
        public let fields: [String]
    }

    public func makeIterator() -> Iterator { Iterator(scalars: Array(text.unicodeScalars)) }

    public struct Iterator: IteratorProtocol {
        let scalars: [Unicode.Scalar]
        var index = 0
        var line = 1

        public mutating func next() -> Record? {
            guard index < scalars.count else { return nil }
            let start = line
            var fields: [String] = []
            var field = String.UnicodeScalarView()
            var quoted = false
            while index < scalars.count {
                let scalar = scalars[index]
                index += 1
                if quoted {
                    if scalar == "\"" {
                        if index < scalars.count, scalars[index] == "\"" {
                            field.append("\"")
                            index += 1
                        } else {
                            quoted = false
                        }
                    } else {
                        if scalar == "\n" { line += 1 }
                        field.append(scalar)
                    }
                    continue
                }
                switch scalar {
                case "\"" where field.isEmpty:
                    quoted = true
                case ",":
                    fields.append(String(field))
                    field = String.UnicodeScalarView()
                case "\r":
                    continue
                case "\n":
                    line += 1
                    fields.append(String(field))
                    return Record(line: start, fields: fields)
                default:
                    field.append(scalar)
                }
            }
            fields.append(String(field))
            return Record(line: start, fields: fields)
        }
    }
}
