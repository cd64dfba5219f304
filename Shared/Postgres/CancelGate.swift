import CLibPQ
import Synchronization

/// Coordinates `PQcancel` with the statement a connection is running, so that a cancellation
/// only ever reaches the statement of the task that asked for it.
///
/// The I/O loop brackets each statement with `begin`/`finish`; `requestCancel` sends `PQcancel`
/// from the shared canceller thread only while that statement runs, and `finish` holds the
/// statement's completion back until a cancel in flight has been delivered, so the connection
/// cannot start anything else that the cancel could hit. Nothing here blocks: the loop thread
/// only ever takes the lock for a few instructions.
final class CancelGate: Sendable {
    private struct State: ~Copyable {
        var cancelHandle: UnsafeSendable<OpaquePointer>?
        var running = false
        var requested = false
        var delivering = false
        var closed = false
        var heldCompletion: (@Sendable () -> Void)?
    }

    private let state = Mutex(State())

    /// One thread for all connections: `PQcancel` blocks while it opens its own connection.
    private static let canceller = WorkerThread(name: "postgres-cancel")

    func install(_ handle: OpaquePointer?) {
        state.withLock { $0.cancelHandle = handle.map(UnsafeSendable.init) }
    }

    /// Marks a statement as running; throws if its task was cancelled before it could start.
    func begin(honouringCancellation: Bool) throws(CancellationError) {
        let refused = state.withLock { state -> Bool in
            if state.requested && honouringCancellation {
                state.requested = false
                return true
            }
            state.running = true
            return false
        }
        if refused { throw CancellationError() }
    }

    /// Marks the statement as done and returns whether a cancel was requested while it ran; or,
    /// while a cancel is still on its way, keeps the completion `held` makes and returns nil: the
    /// canceller thread calls it once the cancel is delivered (the request then counts as made).
    /// `held` is only called in that case, so the usual path allocates nothing.
    func finish(orHold held: () -> @Sendable () -> Void) -> Bool? {
        state.withLock { state -> Bool? in
            if state.delivering {
                state.heldCompletion = held()
                return nil
            }
            state.running = false
            defer { state.requested = false }
            return state.requested
        }
    }

    /// Asks the server to cancel the running statement, if any; otherwise the next statement
    /// of this task is refused before it starts.
    func requestCancel() {
        let deliver = state.withLock { state -> Bool in
            state.requested = true
            guard state.running, !state.delivering, !state.closed else { return false }
            state.delivering = true
            return true
        }
        guard deliver else { return }
        Self.canceller.submit { [self] in
            // The handle stays valid while `delivering` is set: `close` leaves freeing it to us.
            if let handle = state.withLock({ $0.cancelHandle }) {
                var buffer = [CChar](repeating: 0, count: 256)
                _ = PQcancel(handle.value, &buffer, Int32(buffer.count))
            }
            let (held, orphan) = state.withLock { state -> ((@Sendable () -> Void)?, UnsafeSendable<OpaquePointer>?) in
                state.delivering = false
                let held = state.heldCompletion.take()
                if held != nil {
                    state.running = false
                    state.requested = false
                }
                return (held, state.closed ? state.cancelHandle.take() : nil)
            }
            if let orphan { PQfreeCancel(orphan.value) }
            held?()
        }
    }

    /// Forgets a request left over from a task that no longer uses the connection.
    func reset() {
        state.withLock { $0.requested = false }
    }

    /// Frees the cancel handle when the connection closes, or leaves that to a cancel in flight.
    func close() {
        let handle = state.withLock { state -> UnsafeSendable<OpaquePointer>? in
            state.closed = true
            return state.delivering ? nil : state.cancelHandle.take()
        }
        if let handle { PQfreeCancel(handle.value) }
    }
}
