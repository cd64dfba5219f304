import ArgumentParser
import EventBus
import Foundation
import Hummingbird
import Logging
import Migrations
import Postgres
import ServiceLifecycle

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
    /// Adds the service's own routes; health, readiness and `GET /v1/auth/me` are added for
    /// every service.
    public let routes: @Sendable (SecuredRoutes, ServiceEnvironment) -> Void
    /// Long-running work of the service besides its HTTP server (consumers, sealers), started
    /// after its migrations are applied.
    public let services: @Sendable (ServiceEnvironment) -> [any Service]
    /// Commands of this executable besides `serve`, `migrate`, `bus` and `help`; each runs its
    /// work through `ServiceCommand.run`.
    public let commands: [any ParsableCommand.Type]
    /// The event types this service publishes (see `docs/events.md`).
    public let events: EventCatalogue

    public init(
        name: String, schema: String, role: String? = nil, defaultPort: Int,
        migrations: @escaping @Sendable () throws -> [Migration],
        routes: @escaping @Sendable (SecuredRoutes, ServiceEnvironment) -> Void = { _, _ in },
        services: @escaping @Sendable (ServiceEnvironment) -> [any Service] = { _ in [] },
        commands: [any ParsableCommand.Type] = [],
        events: EventCatalogue = EventCatalogue()
    ) {
        self.name = name
        self.schema = schema
        self.role = role ?? name
        self.defaultPort = defaultPort
        self.migrations = migrations
        self.routes = routes
        self.services = services
        self.commands = commands
        self.events = events
    }
}
