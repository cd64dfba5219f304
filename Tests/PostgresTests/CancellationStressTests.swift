import Foundation
import Postgres
import TestSupport
import Testing

@Suite("Cancelling transactions at random moments", .timeLimit(.minutes(3)))
struct CancellationStressTests {
    /// A task cancelled anywhere in a transaction (before, during or between statements, during
    /// the rollback) always ends, and leaves its connection usable or discarded, never stuck.
    @Test func everyCancelledTransactionEnds() async throws {
        try await withTestDatabase("cancel_stress") { database in
            let client = database.client(poolSize: 3)
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { try await client.run() }
                for iteration in 0..<1500 {
                    let work = Task {
                        try await client.withTransaction { connection in
                            try await connection.query("SELECT 1")
                            try await connection.query("SELECT pg_sleep(0.002)")
                            try await connection.query("SELECT 2")
                        }
                    }
                    try await Task.sleep(for: .microseconds(Int.random(in: 0...4000)))
                    work.cancel()
                    let ended = await withTaskGroup(of: Bool.self) { race in
                        race.addTask {
                            _ = await work.result; return true
                        }
                        race.addTask {
                            try? await Task.sleep(for: .seconds(10)); return false
                        }
                        let first = await race.next()!
                        race.cancelAll()
                        return first
                    }
                    #expect(ended, "iteration \(iteration) never ended")
                    if !ended { break }
                }
                #expect(try await client.query("SELECT 42")[0].decode(Int.self, at: 0) == 42)
                group.cancelAll()
            }
        }
    }
}
