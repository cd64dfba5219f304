import HTTPTypes
import Synchronization

/// The statuses each declared endpoint has answered since the process started (method, path
/// template, status): a few entries per endpoint. The API tests check every one of them is in the
/// service's OpenAPI document, so an endpoint cannot answer what it does not document.
public final class AnsweredStatuses: Sendable {
    public struct Answer: Hashable, Sendable {
        public let method: HTTPRequest.Method
        public let path: String
        public let status: Int
    }

    private let answers = Mutex<Set<Answer>>([])

    public init() {}

    func record(_ method: HTTPRequest.Method, _ path: String, _ status: Int) {
        let answer = Answer(method: method, path: path, status: status)
        _ = answers.withLock { $0.insert(answer) }
    }

    /// Every answer so far.
    public var all: Set<Answer> { answers.withLock { $0 } }
}
