import Audit
import Foundation
import Logging
import Postgres
import ServiceKit

/// `registry audit verify`: checks the audit trail's hash chain and names the first broken entry
/// (exit 0 intact, 2 broken). `registry audit seal`: seals what is pending now (the running
/// registry does this every second).
enum AuditCommand {
    static let usage = "audit verify | seal                    check the audit trail's hash chain (exit 2 if broken) | seal pending entries"

    static let command: ServiceSubcommand = ServiceSubcommand(
        name: "audit",
        usage: usage
    ) { arguments, configuration, logger in
        guard arguments.count == 1, ["verify", "seal"].contains(arguments[0]) else {
            throw UsageError("usage: registry \(usage)")
        }
        let database = PostgresClient(configuration: configuration.postgres(for: RegistryService.descriptor), logger: logger)
        return try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await database.run() }
            defer { group.cancelAll() }
            if arguments[0] == "seal" {
                let sealed = try await AuditSealer(database: database, logger: logger).sealAll()
                print("sealed \(sealed) entries")
                return 0
            }
            let report = try await AuditVerifier(database: database).verify()
            print("audit trail \(report)")
            return report.problem == nil ? 0 : 2
        }
    }
}
