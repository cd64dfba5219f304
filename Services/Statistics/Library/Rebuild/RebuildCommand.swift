import ArgumentParser
import ServiceKit

/// `statistics rebuild`: the counting tables and live aggregates replayed from the bus log and
/// swapped in while the service runs (see `CountingRebuild`).
struct RebuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild", abstract: "Replay the bus log into fresh counting tables and aggregates, then swap them in.")

    func run() async throws {
        try await ServiceCommand.run { _, configuration, logger in
            print(try await StatisticsService.rebuild(configuration: configuration, logger: logger))
            return 0
        }
    }
}
