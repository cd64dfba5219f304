import CEpoll
import CLibPQ
import Foundation
import Synchronization

/// The process's I/O threads: one `EventLoop` per core, each driving its connections with `epoll`.
enum EventLoops {
    static let all: [EventLoop] = (0..<threadCount).map { EventLoop(index: $0) }

    /// `DATABASE_IO_THREADS` from the process environment, else one per core.
    private static var threadCount: Int {
        if let text = ProcessInfo.processInfo.environment["DATABASE_IO_THREADS"], let n = Int(text), n > 0 { return n }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }
    private static let counter = Atomic<Int>(0)

    /// The loop of the calling thread, if it is one.
    static var current: EventLoop? { all.first { $0.inLoop } }

    /// The loop that runs timers (the pool's expiry checks).
    static var timerLoop: EventLoop { all[0] }

    /// The calling thread's loop, else the next one in turn.
    static func pick() -> EventLoop {
        if let current { return current }
        return all[counter.add(1, ordering: .relaxed).oldValue % all.count]
    }
}

/// One thread that drives non-blocking libpq I/O for its connections with `epoll`.
///
/// Callers never block: they hand a job to the loop and await a continuation. Under load the
/// loop handles many sockets per wake-up and callers' submissions need no system call. Blocking
/// work (connecting, `PQcancel`) stays on other threads.
final class EventLoop: TaskExecutor, @unchecked Sendable {

    private let epoll: Int32
    private let wakeDescriptor: Int32
    private let queue = Mutex(Queue())
    // Confined to the loop thread.
    private var sockets: [Int32: any EventLoopSocket] = [:]

    /// A queued unit of work: a closure, or a task resumed on this executor (kept without
    /// wrapping it in a closure, which would cost an allocation per resumed statement).
    private enum Job {
        case closure(@Sendable () -> Void)
        case task(UnownedJob)
    }

    private struct Queue: ~Copyable {
        var jobs: [Job] = []
        /// Jobs due at a time, earliest first.
        var timers: [(deadline: ContinuousClock.Instant, job: @Sendable () -> Void)] = []
        var sleeping = false
    }

    /// The loop thread, to run work inline when already on it.
    private let threadID = Atomic<UInt>(0)

    fileprivate init(index: Int) {
        epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        wakeDescriptor = eventfd(0, Int32(EFD_CLOEXEC | EFD_NONBLOCK))
        precondition(epoll >= 0 && wakeDescriptor >= 0, "epoll/eventfd unavailable")
        var event = epoll_event(events: EPOLLIN.rawValue, data: epoll_data_t(fd: wakeDescriptor))
        epoll_ctl(epoll, EPOLL_CTL_ADD, wakeDescriptor, &event)
        let name = "postgres-io-\(index)"
        let thread = Thread { [self] in
            // `Thread.name` set before the start does not reach the kernel on Linux: set it here,
            // so that `top -H` and /proc show the I/O threads by name.
            _ = cepoll_name_current_thread(String(name.prefix(15)))
            run()
        }
        thread.name = name
        thread.start()
    }

    /// Runs `job` on the loop thread, after the jobs submitted before it.
    func submit(_ job: @escaping @Sendable () -> Void) {
        submit(job: .closure(job))
    }

    private func submit(job: Job) {
        let wake = queue.withLock { queue -> Bool in
            queue.jobs.append(job)
            defer { queue.sleeping = false }
            return queue.sleeping
        }
        if wake {
            var one: UInt64 = 1
            _ = write(wakeDescriptor, &one, 8)
        }
    }

    /// Runs `job` on the loop thread once `deadline` has passed (never before; later under load).
    /// Timers cannot be cancelled: a job checks whether it is still wanted.
    func schedule(at deadline: ContinuousClock.Instant, _ job: @escaping @Sendable () -> Void) {
        let wake = queue.withLock { queue -> Bool in
            let index = queue.timers.firstIndex { $0.deadline > deadline } ?? queue.timers.endIndex
            queue.timers.insert((deadline, job), at: index)
            // A sleeping loop must recompute its wait when the new timer is the earliest.
            defer { if index == 0 { queue.sleeping = false } }
            return index == 0 && queue.sleeping
        }
        if wake {
            var one: UInt64 = 1
            _ = write(wakeDescriptor, &one, 8)
        }
    }

    /// Starts watching `socket` for readability (loop thread only).
    func register(_ socket: any EventLoopSocket) {
        var event = epoll_event(events: EPOLLIN.rawValue, data: epoll_data_t(fd: socket.descriptor))
        epoll_ctl(epoll, EPOLL_CTL_ADD, socket.descriptor, &event)
        sockets[socket.descriptor] = socket
    }

    /// Also watches for writability while libpq has unsent data (loop thread only).
    func setWantsWrite(_ socket: any EventLoopSocket, _ wantsWrite: Bool) {
        guard sockets[socket.descriptor] === socket else { return }
        var event = epoll_event(
            events: EPOLLIN.rawValue | (wantsWrite ? EPOLLOUT.rawValue : 0), data: epoll_data_t(fd: socket.descriptor))
        epoll_ctl(epoll, EPOLL_CTL_MOD, socket.descriptor, &event)
    }

    /// Stops watching (loop thread only).
    ///
    /// libpq closes the socket of a connection it finds broken, and the kernel then hands the
    /// same descriptor number to the next connection opened, which may already be registered here
    /// (or on another loop) by the time the broken one is unregistered: only the socket that owns
    /// the registration may remove or change it.
    func unregister(_ socket: any EventLoopSocket) {
        guard sockets[socket.descriptor] === socket else { return }
        epoll_ctl(epoll, EPOLL_CTL_DEL, socket.descriptor, nil)
        sockets[socket.descriptor] = nil
    }

    /// True on the loop thread.
    var inLoop: Bool { threadID.load(ordering: .relaxed) == pthread_self() }

    /// Lets tasks run on the loop thread (`withTaskExecutorPreference`): a task that mostly
    /// waits for the database then resumes without any thread hop.
    func enqueue(_ job: consuming ExecutorJob) {
        submit(job: .task(UnownedJob(job)))
    }

    private func run() {
        threadID.store(pthread_self(), ordering: .relaxed)
        var events = [epoll_event](repeating: epoll_event(), count: 64)
        var jobs: [Job] = []
        let executor = asUnownedTaskExecutor()
        while true {
            queue.withLock { queue in
                swap(&jobs, &queue.jobs)
                guard !queue.timers.isEmpty else { return }
                let now = ContinuousClock.now
                let due = queue.timers.prefix { $0.deadline <= now }.count
                guard due > 0 else { return }
                for timer in queue.timers.prefix(due) { jobs.append(.closure(timer.job)) }
                queue.timers.removeFirst(due)
            }
            for job in jobs {
                switch job {
                case .closure(let body): body()
                case .task(let task): task.runSynchronously(on: executor)
                }
            }
            jobs.removeAll(keepingCapacity: true)
            // Block unless jobs arrived meanwhile (up to the next timer): sockets that are ready
            // end the wait at once, so a look without waiting first would only cost a system call
            // per round.
            let timeout = queue.withLock { queue -> Int32 in
                guard queue.jobs.isEmpty else { return 0 }
                queue.sleeping = true
                guard let deadline = queue.timers.first?.deadline else { return -1 }
                let remaining = deadline - .now
                guard remaining > .zero else { return 0 }
                // Rounded up: waking before the deadline would only spin.
                return Int32(
                    clamping: (remaining.components.seconds * 1000) + (remaining.components.attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
                )
            }
            let count = epoll_wait(epoll, &events, Int32(events.count), timeout)
            if count < 0 { continue }
            queue.withLock { $0.sleeping = false }
            for index in 0..<Int(count) {
                let descriptor = events[index].data.fd
                if descriptor == wakeDescriptor {
                    var value: UInt64 = 0
                    _ = read(wakeDescriptor, &value, 8)
                    continue
                }
                guard let socket = sockets[descriptor] else { continue }
                let flags = events[index].events
                if flags & EPOLLOUT.rawValue != 0 { socket.writable() }
                if flags & (EPOLLIN.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0 { socket.readable() }
            }
        }
    }
}

/// A socket the loop drives; its callbacks run on the loop thread.
protocol EventLoopSocket: AnyObject {
    var descriptor: Int32 { get }
    func readable()
    func writable()
}
