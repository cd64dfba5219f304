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
    }
}
