import EventBus
import Foundation
import Logging
import Postgres

// A consumer process for the event bus's crash tests: it handles `registry.test` events by
// inserting them into `registry.handled` (event id as primary key, so a second effect of the same
// event would fail), slowly, so that a test can SIGKILL it in the middle of a batch.
//
//   DATABASE_URL=... bus-test-consumer CONSUMER_NAME

struct SlowRecorder: EventHandler {
    func handle(_ event: EventEnvelope, in transaction: PostgresConnection) async throws {
        try await transaction.query(
            "INSERT INTO registry.handled (event_id, subject, step) VALUES (\(event.id), \(event.key), \(Int(event.id))) ")
        try await transaction.query("SELECT pg_sleep(0.005)")
    }
}

guard let url = ProcessInfo.processInfo.environment["DATABASE_URL"], CommandLine.arguments.count == 2 else {
    FileHandle.standardError.write(Data("usage: DATABASE_URL=... bus-test-consumer CONSUMER_NAME\n".utf8))
    exit(64)
}
var logger = Logger(label: "bus-test-consumer")
logger.logLevel = .warning
let database = PostgresClient(
    configuration: PostgresConfiguration(connectionString: url, applicationName: "bus-test-consumer", poolSize: 4), logger: logger)
let consumer = BusConsumer(
    configuration: ConsumerConfiguration(
        name: CommandLine.arguments[1], topics: ["registry.test"], workers: 2, slotsPerBatch: 8, eventsPerSlot: 20,
        pollInterval: .milliseconds(500)),
    handler: SlowRecorder(), database: database, logger: logger)
try await consumer.run()
