/// The shape of contact details people and organisations give: checked, never normalised, so
/// what was entered is what is shown.
public enum ContactFormat {
    /// 8 to 20 characters of digits, `+`, spaces and dots, at least 8 of them digits.
    public static func isPhone(_ text: String) -> Bool {
        text.count <= 20 && text.filter(\.isASCIIDigit).count >= 8
            && text.allSatisfy { $0.isASCIIDigit || $0 == "+" || $0 == " " || $0 == "." }
    }

    /// Something before one `@` and a dotted domain after it, without spaces.
    public static func isEmail(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !text.contains(" ") else { return false }
        let domain = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        return domain.count >= 2 && domain.allSatisfy { !$0.isEmpty }
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
