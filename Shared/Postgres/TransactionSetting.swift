/// A setting for the length of one transaction (`SET LOCAL name = value`), from the program.
public struct TransactionSetting: Sendable, Equatable {
    public let name: String
    public let value: String

    /// `name` is a configuration parameter's name (letters, digits, `_` and `.`); `value` is
    /// sent as a quoted literal.
    public init(_ name: StaticString, _ value: StaticString) {
        let name = name.description
        precondition(
            !name.isEmpty && name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "." },
            "not a setting's name: \(name)")
        self.name = name
        self.value = value.description
    }

    /// Plans every statement once per connection and reuses the plan whatever its parameters.
    public static let genericPlans = TransactionSetting("plan_cache_mode", "force_generic_plan")

    /// Lets the commit return before its WAL reaches the disk: a crash within a fraction of a
    /// second after it may lose the transaction, though the caller saw it commit.
    public static let commitWithoutWaitingForDisk = TransactionSetting("synchronous_commit", "off")

    var statement: String {
        "SET LOCAL \(name) = '" + value.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "''") + "'"
    }
}
