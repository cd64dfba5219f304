import Foundation
import Postgres

/// Reads and writes the live aggregates (`tallies`) of `tables`.
struct TallyStore {
    let connection: PostgresConnection
    var tables = CountingTables.live

    /// Serialises the writers of `people`'s contributions until the transaction ends: each
    /// person is recomputed from a consistent state, a batch's before and after seeing only its
    /// own writes to its people's rows (a person's events share a slot only when keyed by the
    /// person, so the slots alone do not exclude, say, a referral's step and the person's status
    /// in two workers). The locks are taken in one order, so two writers never wait for each
    /// other in a cycle; their additions to the aggregates commute, and lock rows in key order.
    func lock(people: [UUID]) async throws {
        try await connection.query(
            """
            SELECT count(pg_advisory_xact_lock(hashtext(\(tables.prefix + "tallies")), k))
            FROM (SELECT DISTINCT hashtext(p::text) FROM unnest(\(people)::uuid[]) AS p ORDER BY 1) AS l(k)
            """)
    }

    /// What one person's, or a few people's, rows of `families` contribute now (a key once for all of them).
    func contributions(of people: Contributions.People, families: Contributions.Families = .all) async throws -> [Tally] {
        // Column by column with the non-generic accessors (a tuple's decode looks its element
        // types up at run time for every row).
        try await connection.query("\(Contributions.rows(tables: tables, people: people, families: families))").map { row in
            Tally(
                key: .init(
                    measure: try row.text(at: 0), dimension: try row.text(at: 1), value: try row.text(at: 2), areaCode: try row.text(at: 3),
                    day: try row.decode(CalendarDate.self, at: 4)),
                parentCode: try row.text(at: 5), entered: try row.integer(at: 6), exited: try row.integer(at: 7),
                exitedFirst: try row.integer(at: 8), amount: try row.integer(at: 9))
        }
    }

    /// Adds `changes` to the aggregates, in their order, and those kept by the day to their sums by
    /// the month (the person's breakdowns are by the month in `tallies` already: kept once).
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
                FROM changes WHERE NOT dimension = ANY(\(Measure.commonDimensions)::text[]) GROUP BY 1, 2, 3, 4, 5
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
