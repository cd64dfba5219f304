import Foundation
@testable import Postgres
import Synchronization
import Testing

@Suite("I/O loop registrations when a descriptor number is reused")
struct DescriptorReuseTests {
    /// A socket that records being told it is readable.
    final class Probe: EventLoopSocket, @unchecked Sendable {
        let descriptor: Int32
        let readableCalls = Atomic<Int>(0)
        init(_ descriptor: Int32) { self.descriptor = descriptor }
        func readable() {
            readableCalls.add(1, ordering: .relaxed)
            var byte: UInt8 = 0
            _ = read(descriptor, &byte, 1)
        }
        func writable() {}
    }

    /// libpq closes the socket of a connection whose backend went away, and the kernel gives the
    /// number to the next connection, which registers it; unregistering the broken connection
    /// afterwards must leave the new one's registration alone (it used to remove it, and the new
    /// connection's queries then waited forever).
    @Test func unregisteringAStaleSocketKeepsTheNewOwnersRegistration() async throws {
        var pipe: [Int32] = [0, 0]
        #expect(pipe.withUnsafeMutableBufferPointer { Glibc.pipe($0.baseAddress!) } == 0)
        defer { close(pipe[0]); close(pipe[1]) }
        let stale = Probe(pipe[0])
        let owner = Probe(pipe[0])
        let loop = EventLoops.all[0]
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            loop.submit {
                loop.register(stale)
                loop.register(owner)  // the number, reused: the new owner takes the entry
                loop.unregister(stale)  // the broken connection closes late
                done.resume()
            }
        }
        var byte: UInt8 = 1
        #expect(write(pipe[1], &byte, 1) == 1)
        let deadline = ContinuousClock.now + .seconds(2)
        while owner.readableCalls.load(ordering: .relaxed) == 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(owner.readableCalls.load(ordering: .relaxed) > 0)
        #expect(stale.readableCalls.load(ordering: .relaxed) == 0)
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            loop.submit {
                loop.unregister(owner)
                done.resume()
            }
        }
    }
}
