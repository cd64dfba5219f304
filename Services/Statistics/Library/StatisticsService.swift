import EventBus
import Foundation
import Logging
import Migrations
import Postgres
import ServiceKit

/// The statistics service: counting tables and live aggregates fed by the bus (never personal
/// data), indicators against plan targets, and aggregate exports for other agencies' keys and
/// officers, each on the audit trail. `statistics rebuild` replays the log into fresh tables.
public enum StatisticsService {
    public static let descriptor = ServiceDescriptor(
        name: "statistics",
        schema: "statistics",
        defaultPort: 8084,
        migrations: { try Migration.load(bundle: .module) },
        routes: { routes, environment in
            ExportRoutes(environment: environment).add(to: routes)
            IndicatorRoutes(environment: environment).add(to: routes)
            TargetRoutes(environment: environment).add(to: routes)
            DashboardRoutes(environment: environment, updates: .shared(for: environment)).add(to: routes.router)
        },
        services: { environment in
            let counts = BusConsumer(
                configuration: ConsumerConfiguration(
                    name: CountingEventHandler.consumerName, topics: CountingEventHandler.topics, start: .beginning,
                    workers: CountingEventHandler.workers,
                    slotsPerBatch: CountingEventHandler.slotsPerBatch, eventsPerSlot: CountingEventHandler.eventsPerSlot,
                    transactionSettings: CountingEventHandler.transactionSettings),
                handler: CountingEventHandler(logger: environment.logger),
                database: environment.database, logger: environment.logger)
            return [
                DashboardUpdates.shared(for: environment),
                AfterMigrations(counts, readiness: environment.readiness),
                AfterMigrations(PendingRebuild(database: environment.database, logger: environment.logger), readiness: environment.readiness),
                SharedTables(
                    ["registry.admin_units", "registry.admin_unit_mapping", "registry.facilities"], readiness: environment.readiness,
                    database: environment.database,
                    logger: environment.logger),
            ]
        },
        commands: [RebuildCommand.self]
    )

    /// `docs/indicators.md`, generated from the catalogue the service serves.
    public static func indicatorsMarkdown() -> String { IndicatorCatalogue.markdown() }

    /// The ids of every indicator defined.
    public static var indicatorIDs: [String] { IndicatorCatalogue.all.map(\.id) }

    /// The ids of the indicators whose values are computed.
    public static var computedIndicatorIDs: [String] { IndicatorCatalogue.all.filter(\.computed).map(\.id) }

    /// `statistics rebuild` with `configuration`'s database, beside a running service or not;
    /// returns its report.
    public static func rebuild(configuration: ServiceConfiguration, logger: Logger) async throws -> String {
        let database = PostgresClient(configuration: configuration.postgres(for: descriptor), logger: logger)
        return try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await database.run() }
            defer { group.cancelAll() }
            return try await CountingRebuild(database: database, logger: logger).run().description
        }
    }
}
