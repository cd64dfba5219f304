import Synchronization

/// Bounds how many answers are streamed at once (a CSV of every commune by month holds two of the
/// pool's connections, and a snapshot that holds back vacuum, for seconds). A stream takes a
/// `Ticket` before it starts and gives its place back when the ticket is released, whether the
/// answer was written whole, failed, or never began.
final class StreamGate: Sendable {
    /// Holds a place at the gate until it is released.
    final class Ticket: Sendable {
        private let gate: StreamGate

        fileprivate init(gate: StreamGate) { self.gate = gate }

        deinit { gate.open.withLock { $0 -= 1 } }
    }

    let limit: Int
    private let open = Mutex(0)

    init(limit: Int) { self.limit = limit }

    /// A place, or nil when `limit` streams are running.
    func ticket() -> Ticket? {
        let admitted = open.withLock { running in
            guard running < limit else { return false }
            running += 1
            return true
        }
        return admitted ? Ticket(gate: self) : nil
    }

    /// How many streams hold a place now.
    var running: Int { open.withLock { $0 } }
}
