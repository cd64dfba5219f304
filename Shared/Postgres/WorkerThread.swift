import CEpoll
import Foundation

/// A dedicated OS thread that runs submitted jobs one at a time, in submission order.
///
/// Blocking libpq calls run here, never on Swift's cooperative pool. One connection owns one
/// worker, so a `PGconn` is never touched by two threads at once.
final class WorkerThread: @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    private var stopping = false

    init(name: String) {
        let thread = Thread { [self] in
            _ = cepoll_name_current_thread(String(name.prefix(15)))
            self.loop()
        }
        thread.name = name
        thread.stackSize = 512 * 1024
        thread.start()
    }

    /// Queues `job`; it runs after every job submitted before it.
    func submit(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Runs `work` on the thread and returns its result to the calling task.
    func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<T, any Error>) in
            submit { continuation.resume(with: Result { try work() }) }
        }
    }

    /// Lets the thread finish the queued jobs, then exit.
    func stop() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    private func loop() {
        var batch: [@Sendable () -> Void] = []
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping { condition.wait() }
            if jobs.isEmpty && stopping {
                condition.unlock()
                return
            }
            swap(&batch, &jobs)
            condition.unlock()
            for job in batch { job() }
            batch.removeAll(keepingCapacity: true)
        }
    }
}
