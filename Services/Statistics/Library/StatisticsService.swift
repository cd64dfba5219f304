import EventBus
import Foundation
import Migrations
import ServiceKit

/// The statistics service: counting tables fed by the bus (never personal data) and aggregate
/// exports for other agencies' keys and officers, each on the audit trail.
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
        },
        services: { environment in
            let counts = BusConsumer(
                configuration: ConsumerConfiguration(
                    name: CountingEventHandler.consumerName, topics: CountingEventHandler.topics, start: .beginning),
                handler: CountingEventHandler(logger: environment.logger),
                database: environment.database, logger: environment.logger)
            return [
                AfterMigrations(counts, readiness: environment.readiness),
                SharedTables(["registry.admin_units"], readiness: environment.readiness, database: environment.database, logger: environment.logger),
            ]
        }
    )

    /// `docs/indicators.md`, generated from the catalogue the service serves.
    public static func indicatorsMarkdown() -> String { IndicatorCatalogue.markdown() }

    /// The ids of every indicator defined.
    public static var indicatorIDs: [String] { IndicatorCatalogue.all.map(\.id) }
}
