import CLibPQ
import Foundation
import Logging
import ServiceLifecycle

/// What a listener yields.
public enum ListenerEvent: Sendable, Equatable {
    /// A `NOTIFY` on one of the channels.
    case notification(channel: String, payload: String)
    /// The listener (re)connected and issued its LISTENs: notifications sent before this point
    /// may have been missed, so catch up from the tables. Yielded after the first connection too.
    case listening
}

/// LISTEN on its own connection and thread, as an `AsyncSequence` of `ListenerEvent`s.
///
/// After any connection loss it reconnects with backoff, re-issues every LISTEN and yields
/// `.listening`. Run it as a lifecycle `Service` (or call `run()` in a task) and iterate
/// `events` elsewhere; it stops on graceful shutdown or cancellation, and `events` then ends.
public final class PostgresListener: Service, Sendable {
    public let channels: [String]
    public let events: AsyncStream<ListenerEvent>
    private let continuation: AsyncStream<ListenerEvent>.Continuation
    private let configuration: PostgresConfiguration
    private let backoff: Backoff
    private let logger: Logger
    private let wake: WakePipe

    public init(
        configuration: PostgresConfiguration, channels: [String], backoff: Backoff = Backoff(), logger: Logger,
        bufferingPolicy: AsyncStream<ListenerEvent>.Continuation.BufferingPolicy = .bufferingNewest(10_000)
    ) {
        self.configuration = configuration
        self.channels = channels
        self.backoff = backoff
        self.logger = logger
        self.wake = WakePipe()
        (events, continuation) = AsyncStream.makeStream(of: ListenerEvent.self, bufferingPolicy: bufferingPolicy)
    }

    public func run() async throws {
        // `events` ends however this returns, a bad configuration included.
        defer { continuation.finish() }
        let parameters = try configuration.connectionParameters()
        let worker = WorkerThread(name: "postgres-listener")
        defer { worker.stop() }
        let wake = self.wake
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                _ = try? await worker.run { [self] in self.loop(parameters) }
            } onCancel: {
                wake.signal()
            }
        } onGracefulShutdown: {
            wake.signal()
        }
    }

    /// Connects, listens and reads until woken by the pipe; blocking, on the worker thread.
    private func loop(_ parameters: [(key: String, value: String)]) {
        var attempt = 0
        while !wake.isSignalled {
            guard let connection = connect(parameters) else {
                let delay = backoff.delay(attempt: attempt)
                attempt += 1
                wake.wait(milliseconds: Int32(delay.inMilliseconds))
                continue
            }
            attempt = 0
            let sink = NoticeSink.install(on: connection, logger: logger)
            continuation.yield(.listening)
            read(connection)
            PQfinish(connection)
            sink.release()
        }
    }

    private func connect(_ parameters: [(key: String, value: String)]) -> OpaquePointer? {
        let connection = PostgresConnection.open(parameters)
        guard let connection, PQstatus(connection) == CONNECTION_OK else {
            let reason = connection.map { String(cString: PQerrorMessage($0)).trimmingNewlines() } ?? "out of memory"
            logger.warning("Listener cannot connect; retrying", metadata: ["postgres.reason": "\(reason)"])
            PQfinish(connection)
            return nil
        }
        let sql = channels.map { "LISTEN \(PostgresQuery.quoteIdentifier($0));" }.joined()
        let result = PQexec(connection, sql)
        defer { PQclear(result) }
        guard PQresultStatus(result) == PGRES_COMMAND_OK else {
            logger.warning(
                "Listener cannot LISTEN; retrying", metadata: ["postgres.reason": "\(String(cString: PQerrorMessage(connection)).trimmingNewlines())"]
            )
            PQfinish(connection)
            return nil
        }
        logger.debug("Listening", metadata: ["postgres.channels": "\(channels.joined(separator: ","))"])
        return connection
    }

    /// Polls the socket and the wake pipe; returns when the connection is lost or woken.
    private func read(_ connection: OpaquePointer) {
        while !wake.isSignalled {
            var descriptors = [
                pollfd(fd: PQsocket(connection), events: Int16(POLLIN), revents: 0),
                pollfd(fd: wake.readDescriptor, events: Int16(POLLIN), revents: 0),
            ]
            // The timeout bounds how long a silently dead peer goes unnoticed between keepalives.
            let ready = poll(&descriptors, 2, 30_000)
            if ready < 0 && errno == EINTR { continue }
            if ready == 0 {
                // Idle: prove the connection still works.
                let result = PQexec(connection, "")
                PQclear(result)
                if PQstatus(connection) != CONNECTION_OK { break }
                continue
            }
            if descriptors[1].revents != 0 { return }
            if PQconsumeInput(connection) == 0 || PQstatus(connection) != CONNECTION_OK {
                logger.warning("Listener lost its connection; reconnecting")
                return
            }
            while let notify = PQnotifies(connection) {
                let channel = String(cString: notify.pointee.relname)
                let payload = String(cString: notify.pointee.extra)
                PQfreemem(notify)
                continuation.yield(.notification(channel: channel, payload: payload))
            }
        }
    }
}

/// A self-pipe that wakes a thread blocked in `poll`, and stays signalled once written.
final class WakePipe: @unchecked Sendable {
    let readDescriptor: Int32
    private let writeDescriptor: Int32
    private let flag = NSLock()
    private var signalled = false

    init() {
        var descriptors: [Int32] = [0, 0]
        precondition(pipe(&descriptors) == 0, "pipe() failed")
        readDescriptor = descriptors[0]
        writeDescriptor = descriptors[1]
    }

    deinit {
        close(readDescriptor)
        close(writeDescriptor)
    }

    var isSignalled: Bool { flag.withLock { signalled } }

    func signal() {
        let first = flag.withLock { () -> Bool in
            defer { signalled = true }
            return !signalled
        }
        if first {
            var byte: UInt8 = 1
            _ = write(writeDescriptor, &byte, 1)
        }
    }

    /// Sleeps up to `milliseconds` or until signalled.
    func wait(milliseconds: Int32) {
        var descriptor = pollfd(fd: readDescriptor, events: Int16(POLLIN), revents: 0)
        _ = poll(&descriptor, 1, milliseconds)
    }
}
