import ArgumentParser
import Synchronization

/// The service this executable is: set once by `ServiceCommand.main` before the arguments are
/// parsed, since the command types are static and shared by the four executables.
enum CurrentService {
    private static let value = Mutex<ServiceDescriptor?>(nil)

    static func set(_ descriptor: ServiceDescriptor) { value.withLock { $0 = descriptor } }

    static var descriptor: ServiceDescriptor {
        guard let descriptor = value.withLock({ $0 }) else { preconditionFailure("ServiceCommand.main sets the service first") }
        return descriptor
    }
}

/// `<service> [serve | migrate | bus ... | <the service's own commands> | help]`.
struct ServiceRootCommand: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        let service = CurrentService.descriptor
        return CommandConfiguration(
            commandName: service.name,
            abstract: "The \(service.name) service of the drug-treatment and after-care system.",
            discussion: "Configuration comes from the environment (and ./.env); see README.md.",
            subcommands: [ServeCommand.self, MigrateCommand.self, BusCommand.self] + service.commands,
            defaultSubcommand: ServeCommand.self)
    }
}

/// `<service> serve` (the default): migrations, then HTTP until SIGTERM or SIGINT.
struct ServeCommand: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        let service = CurrentService.descriptor
        return CommandConfiguration(
            commandName: "serve",
            abstract: "Apply migrations (retrying while the database is down), then serve HTTP on HOST:PORT (default 0.0.0.0:\(service.defaultPort))."
        )
    }

    func run() async throws {
        try await ServiceCommand.run { service, configuration, logger in
            try await ServiceCommand.serve(service, configuration, logger)
            return 0
        }
    }
}

/// `<service> migrate`: applies the migrations once and exits.
struct MigrateCommand: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "migrate", abstract: "Apply migrations to schema \(CurrentService.descriptor.schema) and exit.")
    }

    func run() async throws {
        try await ServiceCommand.run { service, configuration, logger in
            try await ServiceCommand.migrate(service, configuration, logger)
            return 0
        }
    }
}
