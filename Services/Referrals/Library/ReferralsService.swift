import EventBus
import Foundation
import Migrations
import ReferralsContracts
import ServiceKit

/// The referrals service: reintegration cases opened from after-care (`CaseRoutes`,
/// `CaseEventHandler`), partner organisations (employment centres, vocational schools, employers,
/// lenders) and the referrals officers address to them, answered and closed with an outcome by
/// the partner.
public enum ReferralsService {
    public static let descriptor = ServiceDescriptor(
        name: "referrals",
        schema: "referrals",
        defaultPort: 8083,
        migrations: { try Migration.load(bundle: .module) },
        routes: { routes, environment in addRoutes(routes, environment) },
        services: { environment in
            let cases = BusConsumer(
                configuration: ConsumerConfiguration(
                    name: CaseEventHandler.consumerName, topics: CaseEventHandler.topics, gatherDelay: ConsumerConfiguration.unhurriedGatherDelay),
                handler: CaseEventHandler(
                    publisher: EventPublisher(catalogue: ReferralEvents.catalogue, producer: "referrals", notifier: environment.busNotifier),
                    logger: environment.logger),
                database: environment.database, logger: environment.logger)
            return [
                AfterMigrations(cases, readiness: environment.readiness),
                SharedTables(
                    ["registry.referral_contacts", "registry.admin_units"], readiness: environment.readiness,
                    database: environment.database, logger: environment.logger),
            ]
        },
        events: ReferralEvents.catalogue
    )

    static func addRoutes(_ routes: SecuredRoutes, _ environment: ServiceEnvironment) {
        PartnerRoutes(environment: environment).add(to: routes)
        let publisher = EventPublisher(catalogue: ReferralEvents.catalogue, producer: "referrals", notifier: environment.busNotifier)
        ReferralRoutes(environment: environment, publisher: publisher).add(to: routes)
        let changes = ReferralChangeRoutes(environment: environment, publisher: publisher)
        changes.add(to: routes)
        ReferralStepRoutes(environment: environment, publisher: publisher, changes: changes).add(to: routes)
        FollowUpRoutes(environment: environment, publisher: publisher).add(to: routes)
        CaseRoutes(environment: environment, publisher: publisher).add(to: routes)
        OfferRoutes(environment: environment).add(to: routes)
    }
}
