import Foundation
import Logging
import Postgres
import TestSupport
import Testing

@Suite("Transactions, savepoints, cancellation and timeouts", .timeLimit(.minutes(1)))
struct TransactionTests {
    struct Boom: Error {}

    func count(_ client: PostgresClient) async throws -> Int {
        try await client.query("SELECT count(*) FROM item")[0].decode(Int.self, at: 0)
    }

    @Test func commitKeepsAndThrowRollsBack() async throws {
        try await withTestDatabase("tx_commit") { database in
            let client = database.client()
            try await client.query("CREATE TABLE item (name text PRIMARY KEY)")
            try await client.withTransaction { try await $0.query("INSERT INTO item VALUES (\("kept"))") }
            await #expect(throws: Boom.self) {
                try await client.withTransaction { connection in
                    try await connection.query("INSERT INTO item VALUES (\("lost"))")
                    throw Boom()
                }
            }
            // A server error inside also rolls back everything before it.
            await #expect(throws: PostgresError.self) {
                try await client.withTransaction { connection in
                    try await connection.query("INSERT INTO item VALUES (\("lost too"))")
                    try await connection.query("INSERT INTO item VALUES (\("kept"))")
                }
            }
            #expect(try await count(client) == 1)
            #expect(client.statistics.open <= 4)
            await client.shutdown()
        }
    }

    @Test func settingsLastOnlyForTheirTransaction() async throws {
        try await withTestDatabase("tx_settings") { database in
            let connection = try await database.connect()
            func setting(_ name: String) async throws -> String {
                try await connection.query("SELECT current_setting(\(name))")[0].decode(String.self, at: 0)
            }
            // The test cluster runs without waiting for the disk: this session does.
            try await connection.query("SET synchronous_commit = on")
            let before = (try await setting("plan_cache_mode"), try await setting("synchronous_commit"))
            let inside = try await connection.withTransaction(settings: [.genericPlans, .commitWithoutWaitingForDisk]) { _ in
                (try await setting("plan_cache_mode"), try await setting("synchronous_commit"))
            }
            #expect(inside.0 == "force_generic_plan" && inside.1 == "off")
            #expect(before.0 != "force_generic_plan" && before.1 == "on")
            #expect(try await setting("plan_cache_mode") == before.0)
            #expect(try await setting("synchronous_commit") == before.1)
            await connection.close()
        }
    }

    @Test func savepointRollsBackOnlyItsPart() async throws {
        try await withTestDatabase("tx_savepoint") { database in
            let client = database.client()
            try await client.query("CREATE TABLE item (name text PRIMARY KEY)")
            try await client.withTransaction { connection in
                try await connection.query("INSERT INTO item VALUES (\("outer"))")
                await #expect(throws: PostgresError.self) {
                    try await connection.withSavepoint { inner in
                        try await inner.query("INSERT INTO item VALUES (\("inner"))")
                        try await inner.query("INSERT INTO item VALUES (\("outer"))")
                    }
                }
                try await connection.withSavepoint { try await $0.query("INSERT INTO item VALUES (\("second"))") }
            }
            let names = try await client.query("SELECT name FROM item ORDER BY name").map { try $0.decode(String.self, at: 0) }
            #expect(names == ["outer", "second"])
            await client.shutdown()
        }
    }

    @Test func cancellingATaskCancelsItsQueryAndRollsBack() async throws {
        try await withTestDatabase("tx_cancel") { database in
            let client = database.client(poolSize: 1)
            try await client.query("CREATE TABLE item (name text PRIMARY KEY)")
            let started = ContinuousClock.now
            let task = Task {
                try await client.withTransaction { connection in
                    try await connection.query("INSERT INTO item VALUES (\("never"))")
                    try await connection.query("SELECT pg_sleep(30)")
                }
            }
            try await Task.sleep(for: .milliseconds(300))
            task.cancel()
            let result = await task.result
            #expect(throws: CancellationError.self) { try result.get() }
            #expect(ContinuousClock.now - started < .seconds(10))
            // The single pooled connection is usable again, and nothing was committed.
            #expect(try await count(client) == 0)
            await client.shutdown()
        }
    }

    @Test func statementTimeoutStopsLongQueries() async throws {
        try await withTestDatabase("tx_timeout") { database in
            var configuration = database.configuration()
            configuration.statementTimeout = .milliseconds(200)
            let client = PostgresClient(configuration: configuration, logger: .test)
            let error = await #expect(throws: PostgresError.self) { try await client.query("SELECT pg_sleep(5)") }
            #expect(error?.sqlState == SQLState.queryCanceled)
            let one = try await client.query("SELECT 1")[0].decode(Int.self, at: 0)
            #expect(one == 1)
            await client.shutdown()
        }
    }

    @Test func serverErrorKeepsFieldsButDescriptionHidesValues() async throws {
        try await withTestDatabase("tx_errors") { database in
            let client = database.client()
            try await client.query("CREATE TABLE person (national_id text CONSTRAINT person_national_id_key UNIQUE)")
            try await client.query("INSERT INTO person VALUES (\("079203001234"))")
            let error = await #expect(throws: PostgresError.self) {
                try await client.query("INSERT INTO person VALUES (\("079203001234"))")
            }
            #expect(error?.sqlState == SQLState.uniqueViolation)
            #expect(error?.constraint == "person_national_id_key")
            #expect(error?.table == "person")
            #expect(error?.detail?.contains("079203001234") == true)
            #expect(error.map { "\($0)" }?.contains("079203001234") == false)
            #expect(error.map { String(reflecting: $0) }?.contains("079203001234") == true)
            let syntax = await #expect(throws: PostgresError.self) { try await client.query("SELECT \(12)::int4 + 'Phạm'::int4") }
            #expect(syntax?.sqlState == "22P02")
            #expect(syntax.map { "\($0)" }?.contains("Phạm") == false)
            await client.shutdown()
        }
    }

    @Test func noticesGoToTheLogger() async throws {
        try await withTestDatabase("tx_notices") { database in
            let recorder = LogRecorder()
            let connection = try await PostgresConnection.connect(configuration: database.configuration(), logger: recorder.logger())
            try await connection.query("DO $$ BEGIN RAISE NOTICE 'hello from the server'; RAISE WARNING 'careful'; END $$")
            let entries = recorder.all
            #expect(entries.contains { $0.message == "hello from the server" && $0.level == .info })
            #expect(entries.contains { $0.message == "careful" && $0.level == .warning })
            await connection.close()
        }
    }
}
