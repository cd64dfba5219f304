import EventBus
import Foundation
import Logging
import Postgres

/// `statistics rebuild`: replays the whole bus log into fresh counting tables beside the live ones,
/// counts every person's contributions into fresh aggregates at once, catches up with what arrived
/// meanwhile, and swaps the fresh tables in. The service keeps serving and counting throughout:
/// readers wait only for the swap's commit, and the live consumer carries on from the position
/// the rebuild reached. The result equals what the live consumer kept (the tests prove it).
///
/// Only what the log still holds is replayed: pruning the bus (`bus prune`) shortens the history a
/// rebuild can restore.
struct CountingRebuild {
    let database: PostgresClient
    let logger: Logger

    /// How many times the swap waits for readers before the rebuild gives up.
    static let swapAttempts = 5

    /// Workers replaying at once (each its own slots and connection): the database does most of the work.
    static let workers = 4

    /// Ranges of people counted at once, each on its own connection.
    static let countingConnections = 2

    /// The replaying consumer's name (the service's role prefixes every consumer it owns).
    static let consumerName = "statistics.rebuild"

    struct Report: Sendable, CustomStringConvertible {
        var replayed = 0
        var caughtUp = 0
        var tallies = 0
        /// Seconds spent replaying, counting, catching up and swapping.
        var phases: [Double] = []
        /// Seconds of the count's steps: everyone's contributions, the merge, the indexes, the analysis.
        var countSteps: [Double] = []
        var seconds: Double { phases.reduce(0, +) }

        var description: String {
            func seconds(_ value: Double) -> String { String(format: "%.1f", value) + " s" }
            let steps = zip(["contributions", "merge", "indexes", "analyse"], countSteps).map { "\($0) \(seconds($1))" }
            let parts = zip(["replay", "count", "catch-up", "swap"], phases).map { name, value in
                "\(name) \(seconds(value))" + (name == "count" && !steps.isEmpty ? " [\(steps.joined(separator: ", "))]" : "")
            }
            return "rebuilt from \(replayed) events (+\(caughtUp) arrived meanwhile) into \(tallies) aggregate rows in "
                + seconds(self.seconds) + " (\(parts.joined(separator: ", ")))"
        }
    }

    /// Rebuilds and swaps; on failure the replaying consumer is removed (its position would hold
    /// back `bus prune`), the live tables stay, and the fresh ones are dropped by the next rebuild.
    ///
    /// One rebuild at a time: a second one (another replica's, or a command's) fails at once.
    func run() async throws -> Report {
        try await database.withConnection { lockHolder in
            guard try await RebuildStore(connection: lockHolder).tryLock() else { throw RebuildError.alreadyRunning }
            do {
                let report = try await rebuild()
                try await RebuildStore(connection: lockHolder).unlock()
                return report
            } catch {
                try? await database.withTransaction { try await RebuildStore(connection: $0).forget(Self.consumerName) }
                try? await TallyParts(connection: lockHolder).drop()
                try? await RebuildStore(connection: lockHolder).unlock()
                throw error
            }
        }
    }

    enum RebuildError: Error, CustomStringConvertible {
        case alreadyRunning
        /// The replaying consumer lost its slots (removed by hand): nothing is swapped.
        case positionLost(found: Int)

        var description: String {
            switch self {
            case .alreadyRunning: "another rebuild of the statistics is running"
            case .positionLost(let found): "the rebuild's consumer has \(found) slot positions, not \(EventPublisher.slotCount): nothing swapped"
            }
        }
    }

    private func rebuild() async throws -> Report {
        var report = Report()
        var lap = ContinuousClock.now
        func phaseEnds() {
            let now = ContinuousClock.now
            report.phases.append((now - lap).inSeconds)
            lap = now
        }
        try await database.withTransaction { try await RebuildStore(connection: $0).prepare(consumer: Self.consumerName) }
        // The log into the fresh counting tables, without aggregates: they are counted at once after.
        report.replayed = try await consumer(tallying: false).catchUp()
        phaseEnds()
        logger.info("Rebuild: log replayed", metadata: ["events": "\(report.replayed)"])
        // Everyone's contributions, a range of people at a time (bounded memory, short transactions),
        // two ranges at once (one per core the database may use), appended to a staging table;
        // then its splits summed into the aggregates, two at once; then the aggregates' indexes,
        // two at once (each build has parallel workers of its own, but writes its index alone).
        var step = ContinuousClock.now
        func stepEnds() {
            let now = ContinuousClock.now
            report.countSteps.append((now - step).inSeconds)
            step = now
        }
        try await database.withConnection { try await TallyParts(connection: $0).create() }
        try await inParallel(Contributions.People.ranges) { range, connection in try await TallyParts(connection: connection).countPart(range: range)
        }
        stepEnds()
        let splits = try await database.withConnection { try await TallyParts(connection: $0).splitsBySize() }
        try await inParallel(splits.count) { index, connection in try await TallyParts(connection: connection).merge(split: splits[index]) }
        try await database.withConnection { try await TallyParts(connection: $0).drop() }
        stepEnds()
        let indexes = try await database.withConnection { try await RebuildStore(connection: $0).indexCopies(of: RebuildStore.indexedWhenFilled) }
        try await inParallel(indexes.count) { index, connection in try await RebuildStore(connection: connection).createIndex(indexes[index]) }
        try await database.withTransaction { try await RebuildStore(connection: $0).addPrimaryKeys(indexes) }
        stepEnds()
        // Statistics for the planner before readers get the tables (autovacuum would come later).
        try await database.withConnection { try await RebuildStore(connection: $0).analyze() }
        stepEnds()
        report.tallies = try await database.withConnection { connection in
            try await connection.query("SELECT count(*) FROM statistics.rebuild_tallies").first?.decode(Int.self, at: 0) ?? 0
        }
        phaseEnds()
        // What arrived while counting, person by person as the live consumer does.
        report.caughtUp = try await consumer(tallying: true).catchUp()
        phaseEnds()
        // Readers holding the tables past the lock timeout make the swap try again, a few times.
        for attempt in 1...Self.swapAttempts {
            do {
                try await database.withTransaction { connection in
                    try await RebuildStore(connection: connection).swap(live: CountingEventHandler.consumerName, replaying: Self.consumerName)
                }
                break
            } catch let error as PostgresError where ["55P03", "40P01"].contains(error.sqlState) && attempt < Self.swapAttempts {
                logger.warning("Rebuild: the swap waited too long for readers; trying again", metadata: ["attempt": "\(attempt)"])
            }
        }
        phaseEnds()
        logger.info("Rebuild: swapped in", metadata: ["report": "\(report)"])
        return report
    }

    /// Runs `work` for 0..<count, each in its own transaction, `countingConnections` at once.
    private func inParallel(_ count: Int, _ work: @escaping @Sendable (Int, PostgresConnection) async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            func startNext() {
                guard next < count else { return }
                let index = next
                next += 1
                group.addTask { try await database.withTransaction { try await work(index, $0) } }
            }
            // One connection stays with the lock holder.
            for _ in 0..<min(Self.countingConnections, max(1, database.configuration.poolSize - 1)) { startNext() }
            while try await group.next() != nil { startNext() }
        }
    }

    private func consumer(tallying: Bool) async throws -> BusConsumer {
        let consumer = BusConsumer(
            configuration: ConsumerConfiguration(
                name: Self.consumerName, topics: CountingEventHandler.topics, start: .beginning, workers: Self.workers, slotsPerBatch: 4,
                eventsPerSlot: 2_000, transactionSettings: tallying ? [] : ReplayEventHandler.transactionSettings),
            handler: tallying
                ? CountingEventHandler(logger: logger, tables: .rebuild, tallying: true) : ReplayEventHandler(logger: logger, tables: .rebuild),
            database: database, logger: logger)
        try await consumer.register()
        return consumer
    }
}
