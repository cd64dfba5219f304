/// Bad command-line arguments found after parsing: the executable prints `description` and exits
/// with status 64.
public struct UsageError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
