import Foundation
import Access
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

/// The command line shared by the four executables:
///
///     registry [serve]   apply migrations (retrying while the database is down), then serve HTTP
///     registry migrate   apply migrations and exit (0 on success)
///     registry bus ...   the event bus: status, redrive CONSUMER, prune [DAYS]
///     registry help
///
/// A malformed configuration exits at once with status 78 and a message naming the variable.
public enum ServiceCommand {
    /// Runs the command given in `arguments` and never returns.
    public static func main(_ service: ServiceDescriptor, arguments: [String] = Array(CommandLine.arguments.dropFirst())) async -> Never {
        let command = arguments.first ?? "serve"
        let custom = service.commands.first { $0.name == command }
        guard arguments.count <= 1 || command == "bus" || custom != nil,
            custom != nil || ["serve", "migrate", "bus", "help", "--help", "-h"].contains(command)
        else {
            fail("unknown arguments '\(arguments.joined(separator: " "))'\n\n\(usage(service))", status: 64)
        }
        if command.hasPrefix("-") || command == "help" {
            print(usage(service))
            exit(0)
        }
        let configuration: ServiceConfiguration
        do {
            configuration = try await ServiceConfiguration.load(service: service)
        } catch {
            fail("invalid configuration: \(error)", status: 78)
        }
        let logger = bootstrapLogging(service: service, configuration: configuration)
        do {
            switch command {
            case _ where custom != nil:
                exit(try await custom!.run(Array(arguments.dropFirst()), configuration, logger))
            case "migrate": try await migrate(service, configuration, logger)
            case "bus": print(try await BusCommand.run(Array(arguments.dropFirst()), service: service, configuration: configuration, logger: logger))
            default: try await serve(service, configuration, logger)
            }
            exit(0)
        } catch let error as UsageError {
            fail(error.description, status: 64)
        } catch {
            logger.critical("Stopped", metadata: ["error": "\(error)"])
            fail("\(service.name): \(error)", status: 1)
        }
    }

    static func usage(_ service: ServiceDescriptor) -> String {
        """
        usage: \(service.name) [serve | migrate | bus ... | \(service.commands.map { $0.name + " ..." }.joined(separator: " | "))\(service.commands.isEmpty ? "" : " | ")help]
          serve    apply migrations, then serve HTTP on HOST:PORT (default 0.0.0.0:\(service.defaultPort))
          migrate  apply migrations to schema \(service.schema) and exit
          bus      status | redrive CONSUMER | prune [DAYS]: the event bus as seen by this service
        \(service.commands.map { "  " + $0.usage + "\n" }.joined())Configuration comes from the environment (and ./.env); see README.md.
        """
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

    /// The HTTP application with its database pool and start-up migrations as services.
    public static func makeApplication(
        _ service: ServiceDescriptor, _ configuration: ServiceConfiguration, _ logger: Logger
    ) throws -> some ApplicationProtocol {
        let environment = makeEnvironment(service, configuration, logger)
        let migrator = Migrator(schema: service.schema, migrations: try service.migrations(), logger: logger)
        let routes = makeRoutes(service, environment)
        var application = Application(
            router: routes.router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: service.name),
            logger: logger)
        application.addServices(
            environment.database,
            environment.busNotifier,
            DatabaseBootstrap(migrator: migrator, database: environment.database, readiness: environment.readiness, logger: logger))
        for background in service.services(environment) { application.addServices(background) }
        return application
    }

    /// The database pool, readiness, token resolver and audit log a service runs with.
    public static func makeEnvironment(
        _ service: ServiceDescriptor, _ configuration: ServiceConfiguration, _ logger: Logger
    ) -> ServiceEnvironment {
        let database = PostgresClient(configuration: configuration.postgres(for: service), logger: logger)
        return ServiceEnvironment(
            database: database, readiness: Readiness(database: database), logger: logger, configuration: configuration,
            identities: IdentityResolver(database: database, cacheLifetime: configuration.authCacheLifetime),
            audit: AuditLog(database: database), metrics: metricsRegistry.withLock { $0 } ?? PrometheusCollectorRegistry(),
            busNotifier: BusNotifier(database: database, logger: logger))
    }

    /// The service's router: problem rendering, authentication, health, `GET /v1/auth/me`, and
    /// the service's own endpoints (listed in the returned `catalogue`).
    public static func makeRoutes(_ service: ServiceDescriptor, _ environment: ServiceEnvironment) -> SecuredRoutes {
        let router = Router(context: AppRequestContext.self)
        router.add(middleware: ProblemMiddleware())
        router.add(middleware: MetricsMiddleware())
        HealthRoutes.add(to: router, readiness: environment.readiness)
        MetricsRoutes.add(to: router, registry: environment.metrics, database: environment.database)
        router.add(middleware: AuthenticationMiddleware(identities: environment.identities))
        let routes = SecuredRoutes(router: router)
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

    private static func fail(_ message: String, status: Int32) -> Never {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        exit(status)
    }
}
