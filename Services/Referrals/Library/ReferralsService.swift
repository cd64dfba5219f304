import Foundation
import Migrations
import ServiceKit

/// The referrals service: its schema, port and migrations. Routes arrive with their issues.
public enum ReferralsService {
    public static let descriptor = ServiceDescriptor(
        name: "referrals",
        schema: "referrals",
        defaultPort: 8083,
        migrations: { try Migration.load(bundle: .module) }
    )
}
