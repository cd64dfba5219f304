import EventBus
import Foundation
import Logging
import Postgres

/// `<service> bus status | redrive CONSUMER | prune [DAYS]`: the operator's view of the event
/// bus, as the service's role (so a service sees and re-drives only its own consumers).
enum BusCommand {
    static let usage = """
        usage: <service> bus status            consumers of this service: pending events, lag, held and dead events
               <service> bus redrive CONSUMER  give CONSUMER's dead events a new set of attempts, now
               <service> bus prune [DAYS]      delete events older than DAYS (default 30) that every consumer has passed
        """

    static func run(_ arguments: [String], service: ServiceDescriptor, configuration: ServiceConfiguration, logger: Logger) async throws -> String {
        let database = PostgresClient(configuration: configuration.postgres(for: service), logger: logger)
        do {
            let output = try await execute(arguments, BusAdministration(database: database))
            await database.shutdown()
            return output
        } catch {
            await database.shutdown()
            throw error
        }
    }

    private static func execute(_ arguments: [String], _ administration: BusAdministration) async throws -> String {
        switch (arguments.first, arguments.count) {
        case ("status", 1):
            return format(try await administration.consumers())
        case ("redrive", 2):
            let count = try await administration.redriveDead(consumer: arguments[1])
            return "\(count) dead event(s) of \(arguments[1]) re-driven"
        case ("prune", 1), ("prune", 2):
            guard let days = arguments.count == 2 ? Int(arguments[1]) : 30, days >= 0 else { throw UsageError(usage) }
            let removed = try await administration.prune(olderThan: .seconds(days * 86_400))
            return "\(removed) event(s) removed"
        default:
            throw UsageError(usage)
        }
    }

    /// A fixed-width table, one consumer per line.
    static func format(_ statuses: [BusAdministration.ConsumerStatus]) -> String {
        var lines = [pad(["consumer", "topics", "pending", "lag_s", "held", "dead", "oldest_dead"])]
        for status in statuses {
            lines.append(
                pad([
                    status.name, status.topics.joined(separator: ","), String(status.pendingEvents),
                    status.oldestPendingAgeSeconds.map { String(format: "%.1f", $0) } ?? "0",
                    String(status.heldEvents), String(status.deadEvents),
                    status.oldestDeadAt.map { $0.formatted(.iso8601) } ?? "-",
                ]))
        }
        return lines.joined(separator: "\n")
    }

    private static func pad(_ columns: [String]) -> String {
        let widths = [28, 28, 9, 9, 6, 6, 20]
        return zip(columns, widths).map { $0.padding(toLength: max($1, $0.count), withPad: " ", startingAt: 0) }
            .joined(separator: " ").trimmingCharacters(in: .whitespaces)
    }
}

/// Bad command-line arguments: the executable prints `description` and exits with status 64.
public struct UsageError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
