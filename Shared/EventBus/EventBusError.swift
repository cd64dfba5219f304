/// Why an event could not be published or a consumer could not start.
public struct EventBusError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case unknownEventType, invalidPayload, invalidConsumer
    }

    public let code: Code
    public let message: String
    /// For `.invalidPayload`: each field's problem, `field: what is wrong`.
    public let problems: [String]

    init(_ code: Code, _ message: String, problems: [String] = []) {
        self.code = code
        self.message = message
        self.problems = problems
    }

    public var description: String {
        problems.isEmpty ? "\(code): \(message)" : "\(code): \(message) (\(problems.joined(separator: "; ")))"
    }
}
