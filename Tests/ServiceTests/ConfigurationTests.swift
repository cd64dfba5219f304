import Audit
import Foundation
import Logging
import Postgres
import Registry
import ServiceKit
import Testing

@Suite("Service configuration from the environment")
struct ConfigurationTests {
    @Test func defaultsFollowTheService() async throws {
        let configuration = try await ServiceConfiguration.load(service: RegistryService.descriptor, environment: [:])
        #expect(configuration.port == 8081)
        #expect(configuration.host == "0.0.0.0")
        #expect(configuration.logFormat == .json)
        #expect(configuration.databaseURL == "postgresql://registry@localhost:5432/recovery")
        #expect(configuration.poolSize == 10)
        #expect(configuration.statementTimeout == .seconds(30))
    }

    @Test func readsEveryVariable() async throws {
        let configuration = try await ServiceConfiguration.load(
            service: RegistryService.descriptor,
            environment: [
                "DATABASE_URL": "host=/tmp dbname=recovery user=registry", "HOST": "127.0.0.1", "PORT": "9000",
                "LOG_LEVEL": "DEBUG", "LOG_FORMAT": "text", "DATABASE_POOL_SIZE": "3", "DATABASE_POOL_TIMEOUT_MS": "250",
                "DATABASE_STATEMENT_TIMEOUT_MS": "0", "DATABASE_CONNECT_TIMEOUT_S": "2", "SHUTDOWN_GRACE_S": "1",
            ])
        #expect(configuration.port == 9000)
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.logLevel == .debug)
        #expect(configuration.logFormat == .text)
        #expect(configuration.poolSize == 3)
        #expect(configuration.poolTimeout == .milliseconds(250))
        #expect(configuration.statementTimeout == nil)
        #expect(configuration.connectTimeout == .seconds(2))
        #expect(configuration.shutdownGrace == .seconds(1))
        let postgres = configuration.postgres(for: RegistryService.descriptor)
        #expect(postgres.searchPath == ["registry"])
        #expect(postgres.applicationName == "registry")
    }

    @Test func errorsNameTheVariableAndHideSecrets() async throws {
        let error = await #expect(throws: ConfigurationError.self) {
            try await ServiceConfiguration.load(service: RegistryService.descriptor, environment: ["PORT": "70000"])
        }
        #expect(error?.variable == "PORT")
        #expect(error?.description.contains("0 to 65535") == true)
        let url = await #expect(throws: ConfigurationError.self) {
            try await ServiceConfiguration.load(
                service: RegistryService.descriptor, environment: ["DATABASE_URL": "postgresql://u:hunter2@h:bad/x"])
        }
        #expect(url?.variable == "DATABASE_URL")
        #expect(url?.description.contains("hunter2") == false)
        let readURL = await #expect(throws: ConfigurationError.self) {
            try await ServiceConfiguration.load(
                service: RegistryService.descriptor, environment: ["DATABASE_READ_URL": "postgresql://u:hunter2@h:bad/x"])
        }
        #expect(readURL?.variable == "DATABASE_READ_URL")
        #expect(readURL?.description.contains("hunter2") == false)
    }

    /// Reads that may lag go to the standby of `DATABASE_READ_URL`, under the service's own name.
    @Test func aReadStandbyHasItsOwnPoolSettings() async throws {
        let without = try await ServiceConfiguration.load(service: RegistryService.descriptor, environment: ["DATABASE_READ_URL": ""])
        #expect(without.databaseReadURL == nil && without.postgresReads(for: RegistryService.descriptor) == nil)
        let with = try await ServiceConfiguration.load(
            service: RegistryService.descriptor,
            environment: ["DATABASE_URL": "postgresql://registry@primary/recovery", "DATABASE_READ_URL": "postgresql://registry@standby/recovery"])
        let reads = try #require(with.postgresReads(for: RegistryService.descriptor))
        #expect(reads.connectionString == "postgresql://registry@standby/recovery")
        #expect(reads.applicationName == "registry-reads" && reads.searchPath == ["registry"])
        #expect(with.postgres(for: RegistryService.descriptor).connectionString == "postgresql://registry@primary/recovery")
    }
    @Test func theAuditSealKeyComesFromTheVariableOrAFileAndIsLongEnough() async throws {
        let key = String(repeating: "k3y", count: 12)
        let direct = try await ServiceConfiguration.load(
            service: RegistryService.descriptor, environment: ["AUDIT_SEAL_KEY": key, "AUDIT_ANCHOR_FILE": "/var/lib/recovery/head.json"])
        #expect(direct.auditSealKey == Data(key.utf8))
        #expect(direct.auditAnchor.hasKey && direct.auditAnchor.headFile == "/var/lib/recovery/head.json")
        #expect(try await ServiceConfiguration.load(service: RegistryService.descriptor, environment: [:]).auditAnchor.hasKey == false)

        let file = FileManager.default.temporaryDirectory.appendingPathComponent("seal-key-\(UUID().uuidString)")
        try Data((key + "\n").utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let fromFile = try await ServiceConfiguration.load(service: RegistryService.descriptor, environment: ["AUDIT_SEAL_KEY_FILE": file.path])
        #expect(fromFile.auditSealKey == Data(key.utf8))

        let short = await #expect(throws: ConfigurationError.self) {
            try await ServiceConfiguration.load(service: RegistryService.descriptor, environment: ["AUDIT_SEAL_KEY": "short secret"])
        }
        #expect(short?.variable == "AUDIT_SEAL_KEY")
        #expect(short?.description.contains("short secret") == false)
        let both = await #expect(throws: ConfigurationError.self) {
            try await ServiceConfiguration.load(
                service: RegistryService.descriptor, environment: ["AUDIT_SEAL_KEY": key, "AUDIT_SEAL_KEY_FILE": file.path])
        }
        #expect(both?.variable == "AUDIT_SEAL_KEY_FILE")
        let relative = await #expect(throws: ConfigurationError.self) {
            try await ServiceConfiguration.load(service: RegistryService.descriptor, environment: ["AUDIT_ANCHOR_FILE": "head.json"])
        }
        #expect(relative?.variable == "AUDIT_ANCHOR_FILE")
    }
}
