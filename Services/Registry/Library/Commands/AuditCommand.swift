import ArgumentParser
import Audit
import Foundation
import Logging
import Postgres
import ServiceKit

/// `registry audit verify`: checks the audit trail's hash chain, with `AUDIT_SEAL_KEY` every
/// link's seal and with `AUDIT_ANCHOR_FILE` that the head it names is still there, and names the
/// first broken entry (exit 0 intact, 2 broken). `registry audit seal`: seals what is pending now
/// and writes the head (the running registry does this every second).
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "The audit trail's hash chain.", subcommands: [Verify.self, Seal.self])

    /// Runs `body` with a pool of the registry's role running beside it, and the audit anchor.
    static func withDatabase(_ body: @escaping (PostgresClient, AuditAnchor, Logger) async throws -> Int32) async throws {
        try await ServiceCommand.run { service, configuration, logger in
            let database = PostgresClient(configuration: configuration.postgres(for: service), logger: logger)
            return try await withThrowingDiscardingTaskGroup { group in
                group.addTask { try await database.run() }
                defer { group.cancelAll() }
                return try await body(database, configuration.auditAnchor, logger)
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check the hash chain; exit 2 and name the first broken entry if it is broken.")

        func run() async throws {
            try await AuditCommand.withDatabase { database, anchor, _ in
                let report = try await AuditVerifier(database: database, anchor: anchor).verify()
                print("audit trail \(report)")
                return report.problem == nil ? 0 : 2
            }
        }
    }

    struct Seal: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Seal the entries pending now.")

        func run() async throws {
            try await AuditCommand.withDatabase { database, anchor, logger in
                let sealer = AuditSealer(database: database, anchor: anchor, logger: logger)
                let backfilled = try await sealer.sealUnsealedLinks()
                if backfilled > 0 { print("sealed \(backfilled) links written before the key was set") }
                let sealed = try await sealer.sealAll()
                print("sealed \(sealed) entries")
                return 0
            }
        }
    }
}
