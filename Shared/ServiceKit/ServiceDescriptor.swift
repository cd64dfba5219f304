import Foundation
import Hummingbird
import Logging
import Migrations
import Postgres

/// What makes one of the four services itself: its name, schema, port, migrations and routes.
/// `ServiceCommand` does the rest the same way for all of them.
public struct ServiceDescriptor: Sendable {
    /// The executable's name (`registry`); also its database role and `application_name`.
    public let name: String
    /// The schema the service owns; first on its `search_path`.
    public let schema: String
    /// The login role the service connects as.
    public let role: String
    public let defaultPort: Int
    /// Loads the migrations shipped in the service's bundle.
    public let migrations: @Sendable () throws -> [Migration]
    /// Adds the service's own routes; health and readiness routes are added for every service.
    public let routes: @Sendable (Router<AppRequestContext>, ServiceEnvironment) -> Void

    public init(
        name: String, schema: String, role: String? = nil, defaultPort: Int,
        migrations: @escaping @Sendable () throws -> [Migration],
        routes: @escaping @Sendable (Router<AppRequestContext>, ServiceEnvironment) -> Void = { _, _ in }
    ) {
        self.name = name
        self.schema = schema
        self.role = role ?? name
        self.defaultPort = defaultPort
        self.migrations = migrations
        self.routes = routes
    }
}

/// What a service's routes and background work get to use.
public struct ServiceEnvironment: Sendable {
    public let database: PostgresClient
    public let readiness: Readiness
    public let logger: Logger
}

/// The request context of every service.
public typealias AppRequestContext = BasicRequestContext
