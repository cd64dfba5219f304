import ArgumentParser
import EventBus
import Foundation
import Logging
import Postgres

/// `<service> bus status | redrive CONSUMER | prune [DAYS] | partitions`: the operator's view of the event
/// bus, as the service's role (so a service sees and re-drives only its own consumers).
struct BusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bus", abstract: "The event bus as seen by this service.",
        subcommands: [Status.self, Redrive.self, Prune.self, Partitions.self])

    /// Runs `body` with the bus administration on a pool of the service's role, and prints its
    /// answer.
    static func administer(_ body: @escaping (BusAdministration) async throws -> String) async throws {
        try await ServiceCommand.run { service, configuration, logger in
            let database = PostgresClient(configuration: configuration.postgres(for: service), logger: logger)
            do {
                print(try await body(BusAdministration(database: database)))
                await database.shutdown()
                return 0
            } catch {
                await database.shutdown()
                throw error
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Consumers of this service: pending events, lag, held and dead events.")

        func run() async throws {
            try await BusCommand.administer { BusCommand.format(try await $0.consumers()) }
        }
    }

    struct Redrive: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Give a consumer's dead events a new set of attempts, now.")

        @Argument(help: "The consumer, as `bus status` names it.")
        var consumer: String

        func run() async throws {
            let consumer = self.consumer
            try await BusCommand.administer { "\(try await $0.redriveDead(consumer: consumer)) dead event(s) of \(consumer) re-driven" }
        }
    }

    struct Prune: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove events older than DAYS that every consumer has passed (whole partitions of the log).")

        @Argument(help: "Age in days of the events to delete.")
        var days: Int = 30

        func validate() throws {
            guard days >= 0 else { throw ValidationError("DAYS must be 0 or more") }
        }

        func run() async throws {
            let days = self.days
            try await BusCommand.administer { "\(try await $0.prune(olderThan: .seconds(days * 86_400))) event(s) removed" }
        }
    }

    struct Partitions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The log's partitions: their transaction ids and events, and the default partition's events.")

        func run() async throws {
            try await BusCommand.administer { administration in
                var lines = ["partition            from_xid             to_xid               events"]
                for partition in try await administration.partitions() {
                    lines.append(
                        [partition.name, String(partition.lower), String(partition.upper), partition.estimatedEvents.map { "~\($0)" } ?? "-"]
                            .map { $0.padding(toLength: max(20, $0.count), withPad: " ", startingAt: 0) }.joined(separator: " ")
                            .trimmingCharacters(in: .whitespaces))
                }
                lines.append("events_default: \(try await administration.defaultPartitionEvents()) event(s) beyond every range partition")
                return lines.joined(separator: "\n")
            }
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
