import CLibPQ
import Foundation

/// Coordinates `PQcancel` with the statement a connection is running, so that a cancellation
/// only ever reaches the statement of the task that asked for it.
///
/// The I/O loop brackets each statement with `begin`/`finish`; `requestCancel` sends `PQcancel`
/// from the shared canceller thread only while that statement runs, and `finish` holds the
/// statement's completion back until a cancel in flight has been delivered, so the connection
/// cannot start anything else that the cancel could hit.
final class CancelGate: @unchecked Sendable {
    private let condition = NSCondition()
    private var cancelHandle: OpaquePointer?
    private var running = false
    private var requested = false
    private var delivering = false
    private var heldCompletion: (@Sendable () -> Void)?

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

    /// Marks the statement as done and calls `completion` with whether a cancel was requested
    /// while it ran: at once, or on the canceller thread once a cancel in flight is delivered.
    func finish(_ completion: @escaping @Sendable (_ cancelRequested: Bool) -> Void) {
        condition.lock()
        if delivering {
            heldCompletion = { completion(true) }
            condition.unlock()
            return
        }
        running = false
        let wasRequested = requested
        requested = false
        condition.unlock()
        completion(wasRequested)
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
            let held = heldCompletion
            heldCompletion = nil
            if held != nil {
                running = false
                requested = false
            }
            condition.broadcast()
            condition.unlock()
            held?()
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
