import EventBus
import Foundation
import Migrations
import RegistryContracts
import ServiceKit
import TreatmentContracts

/// The treatment service: its schema, port, migrations, routes and the events it publishes.
/// It serves the legal regimes (`RegimeRoutes`), the working-day calendar, determinations of
/// addiction, treatment episodes (`EpisodeRoutes`, `EpisodeChangeRoutes`), after-care, drug tests
/// and relapses.
public enum TreatmentService {
    public static let descriptor = ServiceDescriptor(
        name: "treatment",
        schema: "treatment",
        defaultPort: 8082,
        migrations: { try Migration.load(bundle: .module) },
        routes: { routes, environment in
            let publisher = EventPublisher(catalogue: TreatmentEvents.catalogue, producer: "treatment", notifier: environment.busNotifier)
            RegimeRoutes(environment: environment).add(to: routes)
            CalendarRoutes(environment: environment).add(to: routes)
            DeterminationRoutes(environment: environment, publisher: publisher).add(to: routes)
            EpisodeRoutes(environment: environment).add(to: routes)
            EpisodeChangeRoutes(environment: environment, publisher: publisher).add(to: routes)
            AftercareRoutes(environment: environment, publisher: publisher).add(to: routes)
            DrugTestRoutes(environment: environment, publisher: publisher).add(to: routes)
            DeadlineRoutes(environment: environment).add(to: routes)
            MonitoringRoutes(environment: environment, publisher: publisher).add(to: routes)
        },
        services: { environment in
            let moves = BusConsumer(
                configuration: ConsumerConfiguration(
                    name: RegistryMoveHandler.consumerName, topics: [PersonEvents.topic], gatherDelay: ConsumerConfiguration.unhurriedGatherDelay),
                handler: RegistryMoveHandler(
                    publisher: EventPublisher(catalogue: TreatmentEvents.catalogue, producer: "treatment", notifier: environment.busNotifier),
                    logger: environment.logger),
                database: environment.database, logger: environment.logger)
            return [
                AfterMigrations(moves, readiness: environment.readiness),
                SharedTables(
                    ["registry.treatment_people", "registry.treatment_facilities", "registry.treatment_management_periods"],
                    readiness: environment.readiness, database: environment.database, logger: environment.logger),
            ]
        },
        events: TreatmentEvents.catalogue
    )
}
