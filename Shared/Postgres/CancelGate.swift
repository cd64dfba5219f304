import CLibPQ
import Foundation

/// Coordinates `PQcancel` with the statement a connection is running, so that a cancellation
/// only ever reaches the statement of the task that asked for it.
///
/// The worker brackets each statement with `begin`/`end`; `requestCancel` sends `PQcancel` from
/// the shared canceller thread only while that statement runs, and `end` waits until a cancel in
/// flight has been delivered before the connection can start anything else.
final class CancelGate: @unchecked Sendable {
    private let condition = NSCondition()
    private var cancelHandle: OpaquePointer?
    private var running = false
    private var requested = false
    private var delivering = false

    /// One thread for all connections: `PQcancel` blocks while it opens its own connection.
    private static let canceller = WorkerThread(name: "postgres-cancel")

    func install(_ handle: OpaquePointer?) {
        condition.lock()
        cancelHandle = handle
        condition.unlock()
    }

    /// Marks a statement as running; throws if its task was cancelled before it could start.
    func begin(honouringCancellation: Bool) throws {
        condition.lock()
        defer { condition.unlock() }
        if requested && honouringCancellation {
            requested = false
            throw CancellationError()
        }
        running = true
    }

    /// Marks the statement as done; returns whether a cancel was requested while it ran.
    func end() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while delivering { condition.wait() }
        running = false
        let wasRequested = requested
        requested = false
        return wasRequested
    }

    /// Asks the server to cancel the running statement, if any; otherwise the next statement
    /// of this task is refused before it starts.
    func requestCancel() {
        condition.lock()
        requested = true
        guard running, !delivering else {
            condition.unlock()
            return
        }
        delivering = true
        condition.unlock()
        Self.canceller.submit { [self] in
            condition.lock()
            if let cancelHandle {
                var buffer = [CChar](repeating: 0, count: 256)
                _ = PQcancel(cancelHandle, &buffer, Int32(buffer.count))
            }
            delivering = false
            condition.broadcast()
            condition.unlock()
        }
    }

    /// Forgets a request left over from a task that no longer uses the connection.
    func reset() {
        condition.lock()
        requested = false
        condition.unlock()
    }

    /// Frees the cancel handle; call when the connection closes.
    func close() {
        condition.lock()
        while delivering { condition.wait() }
        if let cancelHandle { PQfreeCancel(cancelHandle) }
        cancelHandle = nil
        condition.unlock()
    }
}
