import Foundation
import Access
import ArgumentParser
import Audit
import EventBus
import Hummingbird
import Metrics
import Prometheus
import Synchronization
import Logging
import Migrations
import Postgres
import ServiceLifecycle
import UnixSignals

/// The command line shared by the four executables (swift-argument-parser; `--help` on each):
///
///     registry [serve]   apply migrations (retrying while the database is down), then serve HTTP
///     registry migrate   apply migrations and exit (0 on success)
///     registry bus ...   the event bus: status, redrive CONSUMER, prune [DAYS], partitions
///     registry help [COMMAND]
///
/// plus the service's own commands (`ServiceDescriptor.commands`). Bad arguments exit with 64 and
/// the usage; a malformed configuration exits at once with 78 and a message naming the variable;
/// a failure exits with 1.
public enum ServiceCommand {
    /// Runs the command given in `arguments` and never returns.
    public static func main(_ service: ServiceDescriptor, arguments: [String] = Array(CommandLine.arguments.dropFirst())) async -> Never {
        CurrentService.set(service)
        do {
            var command = try ServiceRootCommand.parseAsRoot(arguments)
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
            exit(0)
        } catch {
            // Bad arguments: the parser's message, then every command of this executable.
            if ServiceRootCommand.exitCode(for: error) == .validationFailure {
                printError(ServiceRootCommand.fullMessage(for: error))
                printError(usage(service))
                exit(ExitCode.validationFailure.rawValue)
            }
            ServiceRootCommand.exit(withError: error)
        }
    }

    /// One line naming every command: `usage: registry [serve | migrate | bus status|redrive|prune|partitions | ... | help [COMMAND]]`.
    static func usage(_ service: ServiceDescriptor) -> String {
        var commands: [String] = []
        for command in ServiceRootCommand.configuration.subcommands {
            let configuration = command.configuration
            var nested: [String] = []
            for subcommand in configuration.subcommands {
                nested.append(subcommand._commandName)
            }
            let name = command._commandName
            commands.append(nested.isEmpty ? name : name + " " + nested.joined(separator: "|"))
        }
        return "usage: \(service.name) [\((commands + ["help [COMMAND]"]).joined(separator: " | "))]"
    }

    /// Loads the configuration and sets up logging for the running service, then runs `body`:
    /// a malformed configuration exits with 78, a `UsageError` with 64, any other error with 1
    /// (logged and printed); a non-zero status `body` returns is the exit status.
    public static func run(_ body: (ServiceDescriptor, ServiceConfiguration, Logger) async throws -> Int32) async throws {
        let service = CurrentService.descriptor
        let configuration: ServiceConfiguration
        do {
            configuration = try await ServiceConfiguration.load(service: service)
        } catch {
            printError("invalid configuration: \(error)")
            throw ExitCode(78)
        }
        let logger = bootstrapLogging(service: service, configuration: configuration)
        let status: Int32
        do {
            status = try await body(service, configuration, logger)
        } catch let error as UsageError {
            printError(error.description)
            throw ExitCode.validationFailure
        } catch {
            logger.critical("Stopped", metadata: ["error": "\(error)"])
            printError("\(service.name): \(error)")
            throw ExitCode.failure
        }
        if status != 0 { throw ExitCode(status) }
    }

    /// Applies the migrations once and returns; no retries.
    static func migrate(_ service: ServiceDescriptor, _ configuration: ServiceConfiguration, _ logger: Logger) async throws {
        let migrator = Migrator(schema: service.schema, migrations: try service.migrations(), logger: logger)
        let connection = try await PostgresConnection.connect(configuration: configuration.postgres(for: service), logger: logger)
        let report: Migrator.Report
        do {
            report = try await migrator.migrate(on: connection)
            await connection.close()
        } catch {
            await connection.close()
            throw error
        }
        logger.info("Migrations applied", metadata: ["migration.applied": "\(report.applied)", "migration.previously": "\(report.alreadyApplied)"])
    }

    /// The registry swift-metrics reports into, once `serve` has bootstrapped it (once per process).
    static let metricsRegistry = Mutex<PrometheusCollectorRegistry?>(nil)

    /// Serves until SIGTERM or SIGINT, then lets in-flight requests finish and closes connections.
    static func serve(_ service: ServiceDescriptor, _ configuration: ServiceConfiguration, _ logger: Logger) async throws {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        metricsRegistry.withLock { $0 = registry }
        let application = try makeApplication(service, configuration, logger)
        var group = ServiceGroupConfiguration(services: [application], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        // Requests still running after the grace period are cancelled, so a stop never hangs.
        group.maximumGracefulShutdownDuration = configuration.shutdownGrace
        group.maximumCancellationDuration = .seconds(5)
        try await ServiceGroup(configuration: group).run()
    }

    /// The HTTP application with its database pool, start-up migrations and the event log's
    /// partitioner as services.
    /// `inspect` is given the declared routes (the API tests check what they answered).
    public static func makeApplication(
        _ service: ServiceDescriptor, _ configuration: ServiceConfiguration, _ logger: Logger,
        inspect: (SecuredRoutes) -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        let environment = makeEnvironment(service, configuration, logger)
        let migrator = Migrator(schema: service.schema, migrations: try service.migrations(), logger: logger)
        let routes = makeRoutes(service, environment)
        inspect(routes)
        var application = Application(
            router: routes.router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: service.name),
            logger: logger)
        application.addServices(
            environment.database,
            environment.reads,
            environment.busNotifier,
            BusPartitioner(database: environment.database, logger: logger),
            DatabaseBootstrap(migrator: migrator, database: environment.database, readiness: environment.readiness, logger: logger))
        for background in service.services(environment) { application.addServices(background) }
        return application
    }

    /// The database pool, readiness, token resolver and audit log a service runs with.
    public static func makeEnvironment(
        _ service: ServiceDescriptor, _ configuration: ServiceConfiguration, _ logger: Logger
    ) -> ServiceEnvironment {
        let database = PostgresClient(configuration: configuration.postgres(for: service), logger: logger)
        let standby = configuration.postgresReads(for: service).map { PostgresClient(configuration: $0, logger: logger) }
        return ServiceEnvironment(
            database: database, reads: ReadDatabase(primary: database, standby: standby, logger: logger), readiness: Readiness(database: database),
            logger: logger, configuration: configuration,
            identities: IdentityResolver(database: database, cacheLifetime: configuration.authCacheLifetime),
            audit: AuditLog(database: database), metrics: metricsRegistry.withLock { $0 } ?? PrometheusCollectorRegistry(),
            busNotifier: BusNotifier(database: database, logger: logger))
    }

    /// The service's router: security headers, problem rendering, authentication, health, `GET /v1/auth/me`, and
    /// the service's own endpoints (listed in the returned `catalogue`).
    public static func makeRoutes(_ service: ServiceDescriptor, _ environment: ServiceEnvironment) -> SecuredRoutes {
        let router = Router(context: AppRequestContext.self)
        router.add(middleware: SecurityHeadersMiddleware())
        router.add(middleware: ProblemMiddleware())
        router.add(middleware: MetricsMiddleware())
        HealthRoutes.add(to: router, readiness: environment.readiness)
        MetricsRoutes.add(to: router, registry: environment.metrics, database: environment.database)
        router.add(middleware: AuthenticationMiddleware(identities: environment.identities))
        let routes = SecuredRoutes(router: router, audit: environment.audit)
        IdentityRoutes.add(to: routes)
        service.routes(routes, environment)
        // Generated last, from everything declared above; not itself an endpoint of the catalogue.
        let openAPI = (try? OpenAPIDocument.json(service: service, endpoints: routes.catalogue)) ?? Data("{}".utf8)
        router.get("openapi.json") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: openAPI)))
        }
        return routes
    }

    static func bootstrapLogging(service: ServiceDescriptor, configuration: ServiceConfiguration) -> Logger {
        let level = configuration.logLevel
        switch configuration.logFormat {
        case .json: LoggingSystem.bootstrap { JSONLogHandler(label: $0, level: level) }
        case .text:
            LoggingSystem.bootstrap {
                var handler = StreamLogHandler.standardOutput(label: $0)
                handler.logLevel = level
                return handler
            }
        }
        var logger = Logger(label: service.name)
        logger.logLevel = level
        return logger
    }

    static func printError(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }
}
