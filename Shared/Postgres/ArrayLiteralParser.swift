/// Splits a one-dimensional array in PostgreSQL's text form into its elements.
enum ArrayLiteralParser {
    /// Calls `element` with each element's unescaped bytes, or nil for NULL.
    static func parse(_ text: UnsafeBufferPointer<UInt8>, element: ([UInt8]?) throws -> Void) throws {
        guard text.count >= 2, text[0] == UInt8(ascii: "{"), text[text.count - 1] == UInt8(ascii: "}") else {
            throw PostgresDecodingFailure.malformed
        }
        let end = text.count - 1
        var index = 1
        if index == end { return }
        while true {
            var bytes: [UInt8] = []
            if text[index] == UInt8(ascii: "\"") {
                index += 1
                while true {
                    guard index < end else { throw PostgresDecodingFailure.malformed }
                    let byte = text[index]
                    if byte == UInt8(ascii: "\\") {
                        guard index + 1 < end else { throw PostgresDecodingFailure.malformed }
                        bytes.append(text[index + 1])
                        index += 2
                    } else if byte == UInt8(ascii: "\"") {
                        index += 1
                        break
                    } else {
                        bytes.append(byte)
                        index += 1
                    }
                }
                try element(bytes)
            } else {
                while index < end, text[index] != UInt8(ascii: ",") {
                    guard text[index] != UInt8(ascii: "{") else { throw PostgresDecodingFailure.typeMismatch }
                    bytes.append(text[index])
                    index += 1
                }
                let isNull = bytes.count == 4 && String(decoding: bytes, as: UTF8.self).uppercased() == "NULL"
                try element(isNull ? nil : bytes)
            }
            if index == end { return }
            guard text[index] == UInt8(ascii: ",") else { throw PostgresDecodingFailure.malformed }
            index += 1
        }
    }
}
