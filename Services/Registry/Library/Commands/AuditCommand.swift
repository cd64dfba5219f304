import ArgumentParser
import Audit
import Foundation
import Logging
import Postgres
import ServiceKit

/// `registry audit verify`: checks the audit trail's hash chain and names the first broken entry
/// (exit 0 intact, 2 broken). `registry audit seal`: seals what is pending now (the running
/// registry does this every second).
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "The audit trail's hash chain.", subcommands: [Verify.self, Seal.self])

    /// Runs `body` with a pool of the registry's role running beside it.
    static func withDatabase(_ body: @escaping (PostgresClient, Logger) async throws -> Int32) async throws {
        try await ServiceCommand.run { service, configuration, logger in
            let database = PostgresClient(configuration: configuration.postgres(for: service), logger: logger)
            return try await withThrowingDiscardingTaskGroup { group in
                group.addTask { try await database.run() }
                defer { group.cancelAll() }
                return try await body(database, logger)
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check the hash chain; exit 2 and name the first broken entry if it is broken.")

        func run() async throws {
            try await AuditCommand.withDatabase { database, _ in
                let report = try await AuditVerifier(database: database).verify()
                print("audit trail \(report)")
                return report.problem == nil ? 0 : 2
            }
        }
    }

    struct Seal: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Seal the entries pending now.")

        func run() async throws {
            try await AuditCommand.withDatabase { database, logger in
                let sealed = try await AuditSealer(database: database, logger: logger).sealAll()
                print("sealed \(sealed) entries")
                return 0
            }
        }
    }
}
