import Foundation
import Postgres
import Registry
import TestSupport
import Testing

@Suite("Service executables start, answer health checks and stop on SIGTERM", .serialized, .timeLimit(.minutes(3)))
struct ExecutableTests {
    static let services = ["registry", "treatment", "referrals", "statistics"]

    @Test(arguments: services)
    func startsServesAndStopsGracefully(_ service: String) async throws {
        try await withTestDatabase("exe_\(service)") { database in
            if service != "registry" { try await ServiceProcess.migrateRegistry(in: database) }
            let process = try ServiceProcess(
                service, port: try HTTPProbe.freePort(),
                environment: ["DATABASE_URL": try database.conninfo(role: service), "LOG_FORMAT": "json"])
            let health = try await process.waitFor("/healthz", status: 200)
            #expect(health.body == #"{"status":"ok"}"#)
            let ready = try await process.waitFor("/readyz", status: 200)
            #expect(ready.body == #"{"status":"ready"}"#)
            // Prometheus metrics: the pool's connections and the HTTP requests served so far.
            let metrics = try HTTPProbe.get(port: process.port, path: "/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
            #expect(metrics.body.contains("db_pool_connections_open"))
            #expect(metrics.body.contains("hb_requests"))
            let missing = try HTTPProbe.get(port: process.port, path: "/no/such/route")
            #expect(missing.status == 404)
            #expect(missing.headers["content-type"] == "application/problem+json")
            #expect(missing.body.contains(#""status":404"#))
            #expect(try await process.stop(signal: SIGTERM) == 0)
            // Its migrations were applied as its own role, and its connections are closed.
            let admin = try await database.connect()
            let applied = try await admin.query(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(service).schema_migrations"))
            #expect(try applied[0].decode(Int.self, at: 0) >= 1)
            // A backend leaves pg_stat_activity a moment after its client says goodbye (longer on a busy machine).
            var open = -1
            let deadline = ContinuousClock.now + .seconds(10)
            repeat {
                if open > 0 { try await Task.sleep(for: .milliseconds(50)) }
                open = try await admin.query(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = \(service) AND datname = current_database()"
                )[0].decode(Int.self, at: 0)
            } while open > 0 && ContinuousClock.now < deadline
            #expect(open == 0)
            // Logs are JSON lines.
            let firstLine = process.standardOutput().split(separator: "\n").first.map(String.init) ?? ""
            #expect(firstLine.hasPrefix("{\"time\":"))
            await admin.close()
        }
    }

    @Test func sigintAlsoStopsCleanly() async throws {
        try await withTestDatabase("exe_sigint") { database in
            // The treatment service reads the registry's treatment_people view.
            try await ServiceProcess.migrateRegistry(in: database)
            let process = try ServiceProcess(
                "treatment", port: try HTTPProbe.freePort(), environment: ["DATABASE_URL": try database.conninfo(role: "treatment")])
            try await process.waitFor("/readyz", status: 200)
            #expect(try await process.stop(signal: SIGINT) == 0)
        }
    }

    @Test func keepsRetryingWhileTheDatabaseIsDownAndIsNotReady() async throws {
        let deadPort = try HTTPProbe.freePort()
        let process = try ServiceProcess(
            "registry", port: try HTTPProbe.freePort(),
            environment: ["DATABASE_URL": "postgresql://registry@127.0.0.1:\(deadPort)/recovery", "LOG_FORMAT": "text"])
        try await process.waitFor("/healthz", status: 200)
        let notReady = try await process.waitFor("/readyz", status: 503)
        #expect(notReady.headers["content-type"] == "application/problem+json")
        #expect(notReady.body.contains("migrations are not applied yet"))
        try await Task.sleep(for: .seconds(1))
        #expect(process.process.isRunning)
        #expect(try await process.stop() == 0)
        #expect(process.standardOutput().contains("Database unreachable; retrying"))
    }

    @Test func theReferralsServiceIsReadyOnlyOnceTheRegistryTablesItReadsExist() async throws {
        try await withTestDatabase("exe_shared_tables") { database in
            let process = try ServiceProcess(
                "referrals", port: try HTTPProbe.freePort(), environment: ["DATABASE_URL": try database.conninfo(role: "referrals")])
            // First the migrations, then the registry's tables are what it waits for.
            var waiting = try await process.waitFor("/readyz", status: 503)
            for _ in 0..<100 where !waiting.body.contains("registry.referral_contacts") {
                try await Task.sleep(for: .milliseconds(100))
                waiting = try await process.waitFor("/readyz", status: 503)
            }
            #expect(waiting.body.contains("registry.referral_contacts"), "\(waiting.body)")
            try await ServiceProcess.migrateRegistry(in: database)
            try await process.waitFor("/readyz", status: 200, timeout: .seconds(20))
            #expect(try await process.stop() == 0)
        }
    }

    @Test func becomesReadyWhenTheDatabaseAppearsLater() async throws {
        try await withTestDatabase("exe_late") { database in
            // Point the service at a database that does not exist yet, then create it.
            let lateName = database.name + "_late"
            var configuration = database.configuration(role: "registry")
            configuration.overrides["dbname"] = lateName
            let process = try ServiceProcess(
                "registry", port: try HTTPProbe.freePort(), environment: ["DATABASE_URL": try configuration.conninfo()])
            try await process.waitFor("/readyz", status: 503)
            let late = TestDatabase(name: lateName, adminURL: database.adminURL)
            let admin = try await database.connect()
            try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(PostgresQuery.quoteIdentifier(lateName))"))
            await admin.close()
            let setup = try String(contentsOf: TestDatabase.repositoryRoot.appending(path: "deploy/sql/setup.sql"), encoding: .utf8)
            let lateAdmin = try await late.connect()
            try await lateAdmin.execute(script: setup)
            await lateAdmin.close()
            try await process.waitFor("/readyz", status: 200, timeout: .seconds(40))
            #expect(try await process.stop() == 0)
            await late.drop()
        }
    }

    @Test func malformedConfigurationExitsAtOnceNamingTheVariable() async throws {
        let cases: [(String, String)] = [
            ("PORT", "eighty"), ("LOG_FORMAT", "xml"), ("LOG_LEVEL", "loud"), ("DATABASE_POOL_SIZE", "0"),
            ("DATABASE_URL", "postgresql://h:notaport/x"),
        ]
        for (variable, value) in cases {
            var environment = ["DATABASE_URL": "postgresql://registry@127.0.0.1:1/recovery"]
            environment[variable] = value
            let process = try ServiceProcess("registry", port: try HTTPProbe.freePort(), environment: environment)
            let status = try await process.waitForExit(timeout: .seconds(10))
            #expect(status == 78, "\(variable)=\(value)")
            let message = process.standardError()
            #expect(message.contains(variable), "\(message)")
            #expect(!message.contains("notaport") || variable == "DATABASE_URL")
        }
    }

    @Test func migrateSubcommandAppliesAndExits() async throws {
        try await withTestDatabase("exe_migrate") { database in
            let process = try ServiceProcess(
                "referrals", arguments: ["migrate"], port: 0, environment: ["DATABASE_URL": try database.conninfo(role: "referrals")])
            #expect(try await process.waitForExit() == 0)
            let admin = try await database.connect()
            let applied = try await admin.query("SELECT count(*) FROM referrals.schema_migrations")
            #expect(try applied[0].decode(Int.self, at: 0) >= 1)
            await admin.close()
        }
    }

    @Test func refusesToStartWhenAnAppliedMigrationWasChanged() async throws {
        try await withTestDatabase("exe_tampered") { database in
            let environment = ["DATABASE_URL": try database.conninfo(role: "statistics")]
            let first = try ServiceProcess("statistics", arguments: ["migrate"], port: 0, environment: environment)
            #expect(try await first.waitForExit() == 0)
            let admin = try await database.connect()
            try await admin.query("UPDATE statistics.schema_migrations SET checksum = 'tampered' WHERE version = 1")
            await admin.close()
            let migrate = try ServiceProcess("statistics", arguments: ["migrate"], port: 0, environment: environment)
            #expect(try await migrate.waitForExit() == 1)
            #expect(migrate.standardError().contains("was changed after it was applied"))
            let serve = try ServiceProcess("statistics", port: try HTTPProbe.freePort(), environment: environment)
            #expect(try await serve.waitForExit() == 1)
            #expect(serve.standardError().contains("was changed after it was applied"))
        }
    }

    @Test func unknownArgumentsPrintUsage() async throws {
        let process = try ServiceProcess("registry", arguments: ["frobnicate"], port: 0, environment: [:])
        #expect(try await process.waitForExit() == 64)
        #expect(process.standardError().contains("usage: registry"))
    }
}

@Suite("The bus subcommand", .timeLimit(.minutes(1)))
struct BusCommandTests {
    @Test func statusRedriveAndPrune() async throws {
        try await withTestDatabase("exe_bus") { database in
            let admin = try await database.connect(role: "referrals")
            try await admin.query("INSERT INTO bus.consumers (name, topics) VALUES ('referrals.outcomes', '{registry.person}')")
            await admin.close()
            let environment = ["DATABASE_URL": try database.conninfo(role: "referrals")]
            let status = try ServiceProcess("referrals", arguments: ["bus", "status"], port: 0, environment: environment)
            #expect(try await status.waitForExit() == 0)
            let lines = status.standardOutput().split(separator: "\n")
            #expect(lines.first?.hasPrefix("consumer") == true)
            #expect(lines.dropFirst().first?.hasPrefix("referrals.outcomes") == true)
            let redrive = try ServiceProcess("referrals", arguments: ["bus", "redrive", "referrals.outcomes"], port: 0, environment: environment)
            #expect(try await redrive.waitForExit() == 0)
            #expect(redrive.standardOutput().contains("0 dead event(s) of referrals.outcomes re-driven"))
            let prune = try ServiceProcess("referrals", arguments: ["bus", "prune", "7"], port: 0, environment: environment)
            #expect(try await prune.waitForExit() == 0)
            #expect(prune.standardOutput().contains("0 event(s) removed"))
            let partitions = try ServiceProcess("referrals", arguments: ["bus", "partitions"], port: 0, environment: environment)
            #expect(try await partitions.waitForExit() == 0)
            #expect(partitions.standardOutput().contains("events_default: 0 event(s) beyond every range partition"))
            // Another service does not see this consumer.
            let other = try ServiceProcess(
                "registry", arguments: ["bus", "status"], port: 0, environment: ["DATABASE_URL": try database.conninfo(role: "registry")])
            #expect(try await other.waitForExit() == 0)
            #expect(!other.standardOutput().contains("referrals.outcomes"))
            let bad = try ServiceProcess("referrals", arguments: ["bus", "explode"], port: 0, environment: environment)
            #expect(try await bad.waitForExit() == 64)
            #expect(bad.standardError().contains("bus status"))
        }
    }
}

@Suite("registry create-admin", .timeLimit(.minutes(2)))
struct CreateAdminCommandTests {
    @Test func createsTheFirstAdminFromStandardInputAndThereIsNoDefaultAccount() async throws {
        try await withTestDatabase("create_admin") { database in
            let environment = ["DATABASE_URL": try database.conninfo(role: "registry"), "LOG_FORMAT": "text"]
            #expect(try CommandRun.run("registry", ["migrate"], environment: environment).status == 0)
            let admin = try await database.connect()
            #expect(try await admin.query("SELECT count(*) FROM registry.accounts")[0].decode(Int.self, at: 0) == 0)

            let weak = try CommandRun.run("registry", ["create-admin", "root"], environment: environment, input: "short\n")
            #expect(weak.status == 1)
            #expect(weak.standardError.contains("must be at least 12 characters"))
            let made = try CommandRun.run(
                "registry", ["create-admin", "root", "--display-name", "Quản trị viên"], environment: environment,
                input: "Một mật khẩu đủ dài 2026\n")
            #expect(made.status == 0)
            #expect(made.standardOutput.contains("created admin account root"))
            let (role, name, hash) = try await admin.query(
                "SELECT role, display_name, password_hash FROM registry.accounts WHERE username = 'root'")[0].decode((String, String, String).self)
            #expect(role == "admin")
            #expect(name == "Quản trị viên")
            #expect(hash.hasPrefix("$scrypt$ln=15,r=8,p=1$"))
            #expect(!hash.contains("Một mật khẩu"))
            let again = try CommandRun.run("registry", ["create-admin", "root"], environment: environment, input: "Một mật khẩu đủ dài 2026\n")
            #expect(again.status == 1)
            #expect(try CommandRun.run("registry", ["create-admin"], environment: environment, input: "").status == 64)
            let recorded = try await admin.query(
                "SELECT actor_kind, action, resource FROM audit.entries WHERE resource = 'account'")
            #expect(try recorded.map { try $0.decode((String, String, String).self) }.map { "\($0.0) \($0.1) \($0.2)" } == ["system create account"])
            await admin.close()
        }
    }
}
