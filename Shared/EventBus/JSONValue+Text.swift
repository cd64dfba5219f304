extension JSONValue {
    /// Compact JSON text with object keys sorted (stable payloads): strings escaped as RFC 8259
    /// requires (quote, backslash, control characters) and otherwise written as they are, `/`
    /// included; integral numbers without a fraction.
    public var text: String {
        var output: [UInt8] = []
        output.reserveCapacity(128)
        write(to: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// Appends the compact text to UTF-8 `output` (see `text`).
    func write(to output: inout [UInt8]) {
        switch self {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let value): output.append(contentsOf: (value ? "true" : "false").utf8)
        case .number(let value):
            if value.rounded() == value, abs(value) <= 9_007_199_254_740_992 {
                output.append(contentsOf: String(Int64(value)).utf8)
            } else {
                output.append(contentsOf: "\(value)".utf8)
            }
        case .string(let value): Self.writeString(value, to: &output)
        case .array(let values):
            output.append(UInt8(ascii: "["))
            for (index, value) in values.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                value.write(to: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            output.append(UInt8(ascii: "{"))
            for (index, member) in members.sorted(by: { $0.key < $1.key }).enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                Self.writeString(member.key, to: &output)
                output.append(UInt8(ascii: ":"))
                member.value.write(to: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    /// Appends `value` as a JSON string literal (quoted and escaped).
    public static func writeString(_ value: String, to output: inout String) {
        var bytes: [UInt8] = []
        writeString(value, to: &bytes)
        output += String(decoding: bytes, as: UTF8.self)
    }

    /// Appends `value` as a JSON string literal to UTF-8 `output`. Works on the UTF-8 bytes: the
    /// bytes to escape are ASCII, and no byte of a multi-byte character is ASCII.
    static func writeString(_ value: String, to output: inout [UInt8]) {
        let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")
        output.append(quote)
        var value = value
        value.withUTF8 { utf8 in
            guard utf8.contains(where: { $0 < 0x20 || $0 == quote || $0 == backslash }) else {
                output.append(contentsOf: utf8)
                return
            }
            for byte in utf8 {
                switch byte {
                case quote, backslash: output.append(contentsOf: [backslash, byte])
                case UInt8(ascii: "\n"): output.append(contentsOf: [backslash, UInt8(ascii: "n")])
                case UInt8(ascii: "\r"): output.append(contentsOf: [backslash, UInt8(ascii: "r")])
                case UInt8(ascii: "\t"): output.append(contentsOf: [backslash, UInt8(ascii: "t")])
                case 0x08: output.append(contentsOf: [backslash, UInt8(ascii: "b")])
                case 0x0C: output.append(contentsOf: [backslash, UInt8(ascii: "f")])
                case ..<0x20:
                    let hex = Array("0123456789abcdef".utf8)
                    output.append(contentsOf: [backslash, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                    output.append(hex[Int(byte >> 4)])
                    output.append(hex[Int(byte & 0x0F)])
                default: output.append(byte)
                }
            }
        }
        output.append(quote)
    }
}
