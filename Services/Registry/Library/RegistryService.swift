import Access
import Audit
import EventBus
import Foundation
import Migrations
import RegistryContracts
import ServiceKit
import TreatmentContracts

/// The registry service: people, management records, administrative units, facilities,
/// community programmes and staff accounts; the token exchange; the audit trail's reader and sealer.
public enum RegistryService {
    public static let descriptor: ServiceDescriptor = ServiceDescriptor(
        name: "registry",
        schema: "registry",
        defaultPort: 8081,
        migrations: { try Migration.load(bundle: .module) },
        routes: { routes, environment in addRoutes(routes, environment, hasher: PasswordHasher()) },
        services: { environment in
            environment.readiness.hold(AdminUnitLoader.holdReason)
            let statuses = BusConsumer(
                configuration: ConsumerConfiguration(
                    name: TreatmentEventHandler.consumerName, topics: [TreatmentEvents.personTopic],
                    gatherDelay: ConsumerConfiguration.unhurriedGatherDelay),
                handler: TreatmentEventHandler(
                    publisher: EventPublisher(catalogue: eventCatalogue, producer: "registry", notifier: environment.busNotifier),
                    logger: environment.logger),
                database: environment.database, logger: environment.logger)
            return [
                AuditSealer(database: environment.database, anchor: environment.configuration.auditAnchor, logger: environment.logger),
                AdminUnitLoader(environment: environment),
                AfterMigrations(statuses, readiness: environment.readiness),
                Housekeeping(database: environment.database, readiness: environment.readiness, logger: environment.logger),
            ]
        },
        commands: [CreateAdminCommand.self, AuditCommand.self],
        events: eventCatalogue
    )

    /// The events the registry publishes.
    public static let eventCatalogue = EventCatalogue(
        contracts: PersonEvents.contracts + FacilityEvents.contracts + ProgrammeEvents.contracts)

    /// The registry's endpoints; `hasher` is the password hasher (its cost lowered only in tests).
    public static func addRoutes(_ routes: SecuredRoutes, _ environment: ServiceEnvironment, hasher: PasswordHasher) {
        AuthRoutes(environment: environment, hasher: hasher).add(to: routes)
        AccountRoutes(environment: environment, hasher: hasher).add(to: routes)
        APIKeyRoutes(environment: environment).add(to: routes)
        AuditRoutes(environment: environment).add(to: routes)
        AdminUnitRoutes(environment: environment).add(to: routes)
        let publisher = EventPublisher(catalogue: eventCatalogue, producer: "registry", notifier: environment.busNotifier)
        PersonRoutes(environment: environment, publisher: publisher).add(to: routes)
        PersonChangeRoutes(environment: environment, publisher: publisher).add(to: routes)
        let facilities = FacilityRoutes(environment: environment, publisher: publisher)
        facilities.add(to: routes)
        facilities.addRetirement(to: routes)
        ProgrammeRoutes(environment: environment, publisher: publisher).add(to: routes)
    }
}
