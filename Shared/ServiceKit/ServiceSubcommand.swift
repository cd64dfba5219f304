import Logging

/// A command of one service's executable besides `serve`, `migrate` and `bus`
/// (`registry create-admin`, `registry audit verify`).
public struct ServiceSubcommand: Sendable {
    public let name: String
    /// One line for `help`, including the arguments.
    public let usage: String
    /// Runs with the arguments after the command's name; returns the exit status. Throw
    /// `UsageError` for bad arguments (exit 64).
    public let run: @Sendable ([String], ServiceConfiguration, Logger) async throws -> Int32

    public init(name: String, usage: String, run: @escaping @Sendable ([String], ServiceConfiguration, Logger) async throws -> Int32) {
        self.name = name
        self.usage = usage
        self.run = run
    }
}
