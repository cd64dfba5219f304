extension StringProtocol {
    /// The first control character in the text (Unicode's `Cc`: U+0000 to U+001F and U+007F to
    /// U+009F), or nil. `allowingLineBreaks` lets tab, line feed and carriage return through (a
    /// note may span lines; a name may not). Text is kept exactly as sent or refused, and these
    /// cannot be kept: PostgreSQL stores no NUL, and the others corrupt reports and exports.
    public func firstControlCharacter(allowingLineBreaks: Bool = false) -> Unicode.Scalar? {
        unicodeScalars.first { scalar in
            switch scalar.value {
            case 0x09, 0x0A, 0x0D: !allowingLineBreaks
            case 0x00...0x1F, 0x7F...0x9F: true
            default: false
            }
        }
    }
}

extension Unicode.Scalar {
    /// `U+0000`: how a refusal names a character that cannot be shown.
    public var codePoint: String {
        let hex = String(value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}

/// The reason given for text holding `character`.
public func controlCharacterProblem(_ character: Unicode.Scalar) -> String {
    "must not contain control characters (\(character.codePoint))"
}
