import EventBus
import Foundation
import Migrations
import ReferralsContracts
import ServiceKit

/// The referrals service: partner organisations (employment centres, vocational schools,
/// employers, lenders) and the referrals officers address to them, answered and closed with an
/// outcome by the partner.
public enum ReferralsService {
    public static let descriptor = ServiceDescriptor(
        name: "referrals",
        schema: "referrals",
        defaultPort: 8083,
        migrations: { try Migration.load(bundle: .module) },
        routes: { routes, environment in addRoutes(routes, environment) },
        services: { environment in
            [
                SharedTables(
                    ["registry.referral_contacts", "registry.admin_units"], readiness: environment.readiness,
                    database: environment.database, logger: environment.logger)
            ]
        },
        events: ReferralEvents.catalogue
    )

    static func addRoutes(_ routes: SecuredRoutes, _ environment: ServiceEnvironment) {
        PartnerRoutes(environment: environment).add(to: routes)
        let publisher = EventPublisher(catalogue: ReferralEvents.catalogue, producer: "referrals", notifier: environment.busNotifier)
        ReferralRoutes(environment: environment, publisher: publisher).add(to: routes)
        ReferralChangeRoutes(environment: environment, publisher: publisher).add(to: routes)
    }
}
