/// Collects every invalid field of a request before answering, so a client learns all of them
/// at once: `try validator.finish()` throws one 422 problem listing each `pointer` and reason.
public struct FieldValidator: Sendable {
    public private(set) var errors: [ProblemDetails.FieldError] = []

    public init() {}

    public mutating func add(_ pointer: String, _ detail: String) {
        errors.append(.init(pointer: pointer, detail: detail))
    }

    /// Adds `detail` for `pointer` unless `condition` holds.
    public mutating func require(_ condition: Bool, _ pointer: String, _ detail: String) {
        if !condition { add(pointer, detail) }
    }

    public func finish() throws {
        if !errors.isEmpty { throw ProblemDetails.validation(errors) }
    }
}
