/// The rules a new password must meet. Long passphrases are encouraged; composition rules are
/// kept to what stops the guessable ones.
public struct PasswordPolicy: Sendable {
    public var minimumLength = 12
    public var maximumLength = 128

    public init() {}

    /// Why `password` is refused for `username`, in words a user can act on; empty when accepted.
    public func problems(password: String, username: String) -> [String] {
        var problems: [String] = []
        let length = password.count
        if length < minimumLength { problems.append("must be at least \(minimumLength) characters long") }
        if length > maximumLength { problems.append("must be at most \(maximumLength) characters long") }
        let letters = password.contains { $0.isLetter }
        let others = password.contains { !$0.isLetter }
        if !(letters && others) { problems.append("must mix letters with digits, spaces or symbols") }
        if Set(password).count < 5 { problems.append("must use at least 5 different characters") }
        let lowered = password.lowercased()
        if !username.isEmpty, lowered.contains(username.lowercased()) { problems.append("must not contain the username") }
        if Self.common.contains(where: { lowered.contains($0) }) { problems.append("must not contain a common password") }
        return problems
    }

    /// Fragments that make a password guessable whatever surrounds them.
    static let common = [
        "password", "123456789", "qwerty", "abc123", "111111", "iloveyou", "admin123", "matkhau", "12345678",
    ]
}
