import Foundation
import Migrations
import ServiceKit

/// The statistics service: its schema, port and migrations. Routes arrive with their issues.
public enum StatisticsService {
    public static let descriptor = ServiceDescriptor(
        name: "statistics",
        schema: "statistics",
        defaultPort: 8084,
        migrations: { try Migration.load(bundle: .module) }
    )
}
