import Foundation
import Migrations
import ServiceKit
import TreatmentContracts

/// The treatment service: its schema, port, migrations, routes and the events it publishes.
/// Today it serves the legal regimes (`RegimeRoutes`); determinations, episodes and after-care
/// follow on them.
public enum TreatmentService {
    public static let descriptor = ServiceDescriptor(
        name: "treatment",
        schema: "treatment",
        defaultPort: 8082,
        migrations: { try Migration.load(bundle: .module) },
        routes: { routes, environment in RegimeRoutes(environment: environment).add(to: routes) },
        events: TreatmentEvents.catalogue
    )
}
