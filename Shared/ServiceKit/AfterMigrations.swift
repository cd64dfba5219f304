import ServiceLifecycle

/// Runs `service` once the service's migrations are applied (a consumer whose handler writes to
/// the service's tables, say); stops waiting when the process is asked to stop.
public struct AfterMigrations: Service {
    let readiness: Readiness
    let service: any Service

    public init(_ service: any Service, readiness: Readiness) {
        self.readiness = readiness
        self.service = service
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown { try await readiness.waitUntilMigrated() }
        guard readiness.isMigrated, !Task.isShuttingDownGracefully else {
            try? await gracefulShutdown()
            return
        }
        try await service.run()
    }
}
