import Foundation
import Postgres

/// Reads and writes the live aggregates (`tallies`) of `tables`.
struct TallyStore {
    let connection: PostgresConnection
    var tables = CountingTables.live

    /// Serialises writers of the aggregates until the transaction ends: each event's person is
    /// recomputed from a consistent state, and two replicas never interleave their additions.
    func lock() async throws {
        try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\(tables.prefix + "tallies")))")
    }

    /// Lets the transaction's commit return before its WAL reaches the disk
    /// (`synchronous_commit = off`, this transaction only). Safe for the live consumer: its
    /// writes and its position in the log commit together, so a crash that loses the last
    /// commits loses both, and the events are applied again from the log (which producers commit
    /// durably); what it saves is a disk flush per batch, the wait every event in it shares.
    func commitWithoutWaitingForDisk() async throws {
        try await connection.query("SET LOCAL synchronous_commit = off")
    }

    /// What one person's, or a few people's, rows of `families` contribute now (a key once for all of them).
    func contributions(of people: Contributions.People, families: Contributions.Families = .all) async throws -> [Tally] {
        try await connection.query("\(Contributions.rows(tables: tables, people: people, families: families))").map { row in
            let (measure, dimension, value, area, day, parent, entered, exited, exitedFirst, amount) = try row.decode(
                (String, String, String, String, CalendarDate, String, Int, Int, Int, Int).self)
            return Tally(
                key: .init(measure: measure, dimension: dimension, value: value, areaCode: area, day: day), parentCode: parent,
                entered: entered, exited: exited, exitedFirst: exitedFirst, amount: amount)
        }
    }

    /// Adds `changes` to the aggregates, in their order, and to their sums by the month.
    func add(_ changes: [Tally]) async throws {
        guard !changes.isEmpty else { return }
        // Open dashboard pages of these provinces refresh once the transaction commits (NOTIFY is
        // delivered at commit, once per payload however many events the transaction handles); in
        // the same statement, so the hot path keeps one round trip. Never for a rebuild's tables.
        let provinces =
            tables.prefix.isEmpty
            ? Set(changes.map { $0.parentCode == "VN" ? $0.key.areaCode : $0.parentCode }).subtracting(["VN"]).sorted() : []
        try await connection.query(
            """
            WITH changes AS (
                SELECT * FROM unnest(\(changes.map(\.key.measure))::text[], \(changes.map(\.key.dimension))::text[],
                                     \(changes.map(\.key.value))::text[], \(changes.map(\.key.areaCode))::text[],
                                     \(changes.map(\.key.day))::date[], \(changes.map(\.parentCode))::text[],
                                     \(changes.map(\.entered))::int8[], \(changes.map(\.exited))::int8[],
                                     \(changes.map(\.exitedFirst))::int8[], \(changes.map(\.amount))::int8[])
                    AS c(measure, dimension, value, area_code, day, parent_code, entered, exited, exited_first, amount)
            ),
            added AS (
                INSERT INTO \(tables("tallies")) AS t
                    (measure, dimension, value, area_code, day, parent_code, entered, exited, exited_first, amount)
                SELECT * FROM changes
                ON CONFLICT (measure, dimension, area_code, value, day) DO UPDATE
                SET entered = t.entered + excluded.entered, exited = t.exited + excluded.exited,
                    exited_first = t.exited_first + excluded.exited_first, amount = t.amount + excluded.amount
            ),
            monthly AS (
                INSERT INTO \(tables("monthly_tallies")) AS t
                    (measure, dimension, value, area_code, month, parent_code, entered, exited, exited_first, amount)
                SELECT measure, dimension, value, area_code, date_trunc('month', day)::date, min(parent_code), sum(entered)::bigint,
                       sum(exited)::bigint, sum(exited_first)::bigint, sum(amount)::bigint
                FROM changes GROUP BY 1, 2, 3, 4, 5
                -- In key order, as the daily rows: concurrent writers lock rows in the same order.
                ORDER BY 1, 2, 4, 3, 5
                ON CONFLICT (measure, dimension, area_code, value, month) DO UPDATE
                SET entered = t.entered + excluded.entered, exited = t.exited + excluded.exited,
                    exited_first = t.exited_first + excluded.exited_first, amount = t.amount + excluded.amount
            )
            SELECT pg_notify(\(DashboardUpdates.channel), code) FROM unnest(\(provinces)::text[]) AS code
            """)
    }
}
