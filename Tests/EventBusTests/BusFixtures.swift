import EventBus
import Foundation
import Postgres
import Synchronization
import TestSupport

/// A test event: one step in the life of a key, numbered from 1.
struct StepRecorded: BusEvent, Equatable {
    static let type = "registry.test.step_recorded"
    static let version = 1
    let subject: String
    let step: Int
    var key: String { subject }
}

let testCatalogue = EventCatalogue([
    EventDefinition(
        type: StepRecorded.type, version: 1, topic: "registry.test", summary: "A numbered step of a subject.",
        fields: [.init("subject", .string), .init("step", .integer)]),
    EventDefinition(
        type: "registry.test.other", version: 1, topic: "registry.other", summary: "Another topic.",
        fields: [.init("subject", .string)]),
])

/// Records each handled step in `registry.handled` inside the consumer's transaction, and checks
/// that a subject's steps arrive in order (step n only after step n-1).
final class RecordingHandler: EventHandler {
    /// Steps (`subject#step`) that fail while listed.
    let failing: Mutex<Set<String>>

    init(failing: Set<String> = []) { self.failing = Mutex(failing) }

    func handle(_ event: EventEnvelope, in transaction: PostgresConnection) async throws {
        let step = try event.decode(StepRecorded.self)
        if failing.withLock({ $0.contains("\(step.subject)#\(step.step)") }) {
            throw TestSupportError("step \(step.step) of \(step.subject) is set to fail")
        }
        let previous = try await transaction.query(
            "SELECT coalesce(max(step), 0) FROM registry.handled WHERE subject = \(step.subject)")[0].decode(Int.self, at: 0)
        guard previous == step.step - 1 else {
            throw TestSupportError("out of order: \(step.subject) step \(step.step) after \(previous)")
        }
        try await transaction.query(
            "INSERT INTO registry.handled (event_id, subject, step) VALUES (\(event.id), \(step.subject), \(step.step))")
    }
}

extension TestDatabase {
    /// A registry-role pool with the `handled` table the recording handler writes.
    func busClient() async throws -> PostgresClient {
        let client = self.client(role: "registry", searchPath: ["registry"], poolSize: 8)
        try await client.query(
            "CREATE TABLE IF NOT EXISTS registry.handled (event_id bigint PRIMARY KEY, subject text NOT NULL, step int NOT NULL, UNIQUE (subject, step))"
        )
        return client
    }
}

/// Publishes `steps` steps for each subject, one transaction per event, waking consumers.
func publishSteps(_ subjects: [String], steps: ClosedRange<Int>, on client: PostgresClient) async throws {
    try await withRunningNotifier(client) { notifier in
        let publisher = EventPublisher(catalogue: testCatalogue, producer: "registry", notifier: notifier)
        for step in steps {
            for subject in subjects {
                try await client.withTransaction { try await publisher.publish(StepRecorded(subject: subject, step: step), on: $0) }
            }
        }
    }
}

/// Waits until `registry.handled` holds `count` rows, or fails after `timeout`.
func waitForHandled(_ count: Int, on client: PostgresClient, timeout: Duration = .seconds(30)) async throws {
    let deadline = ContinuousClock.now + timeout
    var seen = 0
    while ContinuousClock.now < deadline {
        seen = try await client.query("SELECT count(*) FROM registry.handled")[0].decode(Int.self, at: 0)
        if seen >= count { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw TestSupportError("only \(seen) of \(count) events handled in time")
}

/// Catches `consumer` up until it has read `count` events in all (or `timeout` passes); returns
/// how many it read. One `catchUp()` stops at its first empty claim, which a transaction still
/// open below the events (autovacuum's ANALYZE of the fresh database, one just ending when the
/// horizon was read) can make on a busy machine.
func catchUp(_ consumer: BusConsumer, until count: Int, timeout: Duration = .seconds(30)) async throws -> Int {
    let deadline = ContinuousClock.now + timeout
    var read = try await consumer.catchUp()
    while read < count && ContinuousClock.now < deadline {
        try await Task.sleep(for: .milliseconds(50))
        read += try await consumer.catchUp()
    }
    return read
}

/// The recording handler taking whole batches: each batch's events applied in turn (so a failing
/// step fails the whole batch), and the size of every batch it was given recorded.
final class BatchRecordingHandler: BatchEventHandler {
    let single: RecordingHandler
    let batchSizes = Mutex<[Int]>([])

    init(failing: Set<String> = []) { single = RecordingHandler(failing: failing) }

    func handle(_ event: EventEnvelope, in transaction: PostgresConnection) async throws {
        try await single.handle(event, in: transaction)
    }

    func handle(batch events: [EventEnvelope], in transaction: PostgresConnection) async throws {
        batchSizes.withLock { $0.append(events.count) }
        for event in events { try await single.handle(event, in: transaction) }
    }
}

/// Takes whole batches and records, for each, how many times its transaction had read a
/// partition of `bus.events` by scanning it whole (the claim's reads are the transaction's only
/// reads of the log).
final class LogScanRecordingHandler: BatchEventHandler {
    let wholeScans = Mutex<[Int]>([])

    func handle(_ event: EventEnvelope, in transaction: PostgresConnection) async throws {
        try await handle(batch: [event], in: transaction)
    }

    func handle(batch events: [EventEnvelope], in transaction: PostgresConnection) async throws {
        let scans = try await transaction.query(
            """
            SELECT coalesce(sum(seq_scan), 0)::bigint FROM pg_stat_xact_user_tables
            WHERE schemaname = 'bus' AND relname LIKE 'events%'
            """)[0].decode(Int.self, at: 0)
        wholeScans.withLock { $0.append(scans) }
    }
}
