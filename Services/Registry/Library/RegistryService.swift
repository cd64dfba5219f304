import Foundation
import Migrations
import ServiceKit

/// The registry service: its schema, port and migrations. Routes arrive with their issues.
public enum RegistryService {
    public static let descriptor = ServiceDescriptor(
        name: "registry",
        schema: "registry",
        defaultPort: 8081,
        migrations: { try Migration.load(bundle: .module) }
    )
}
