extension String {
    /// The text without leading and trailing white space and line breaks, as
    /// `trimmingCharacters(in: .whitespacesAndNewlines)` gives it (Unicode's `White_Space` and the
    /// zero width space) but without a trip through `NSString`; the text itself when there is
    /// nothing to trim.
    public func trimmingWhitespace() -> String {
        // Fast path: both ends are ASCII and not white space (most CSV fields and JSON strings).
        if let first = utf8.first, let last = utf8.last, first > 0x20, first < 0x80, last > 0x20, last < 0x80 {
            return self
        }
        let scalars = unicodeScalars
        let kept = { (scalar: Unicode.Scalar) in !scalar.properties.isWhitespace && scalar != "\u{200B}" }
        guard let first = scalars.firstIndex(where: kept) else { return "" }
        let last = scalars.lastIndex(where: kept)!
        if first == scalars.startIndex, scalars.index(after: last) == scalars.endIndex { return self }
        return String(scalars[first...last])
    }
}

extension Substring {
    /// See `String.trimmingWhitespace()`.
    public func trimmingWhitespace() -> String { String(self).trimmingWhitespace() }
}
