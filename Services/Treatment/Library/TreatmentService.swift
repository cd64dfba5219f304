import Foundation
import Migrations
import ServiceKit
import TreatmentContracts

/// The treatment service: its schema, port, migrations and the events it publishes. Routes
/// arrive with their issues.
public enum TreatmentService {
    public static let descriptor = ServiceDescriptor(
        name: "treatment",
        schema: "treatment",
        defaultPort: 8082,
        migrations: { try Migration.load(bundle: .module) },
        events: TreatmentEvents.catalogue
    )
}
