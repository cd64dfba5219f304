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

    /// What one person's rows contribute now.
    func contributions(of person: UUID) async throws -> [Tally] {
        try await connection.query("\(Contributions.rows(tables: tables, people: .one(person)))").map { row in
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

    /// The rebuild's staging table: each range's aggregate rows, appended without an index or a
    /// conflict check, summed into the aggregates once all are in (`mergeParts`).
    static let parts: SQLFragment = "statistics.rebuild_tally_parts"

    /// Creates the staging table afresh (unlogged: an interrupted rebuild starts over anyway).
    func createParts() async throws {
        try await dropParts()
        try await connection.query("CREATE UNLOGGED TABLE \(Self.parts) (LIKE \(tables("tallies")) INCLUDING DEFAULTS)")
    }

    /// Appends the aggregate rows of everyone whose id is in range `index` (`Contributions.People`),
    /// in the lowest areas only (`Contributions.Levels.lowest`), to the staging table, in a rebuild (no time limit: it reads every row of the range). Ranges
    /// may run at once on several connections: they only append.
    func countPart(range index: Int) async throws {
        try await connection.query("SET LOCAL statement_timeout = 0")
        let query: PostgresQuery = """
            INSERT INTO \(Self.parts) (measure, dimension, value, area_code, day, parent_code, entered, exited, exited_first, amount)
            \(Contributions.rows(tables: tables, people: .range(index), levels: .lowest))
            """
        try await connection.query(query.unprepared())
    }

    /// Sums the staged rows into the aggregates, which are empty until then (a commune's rows get a
    /// part from every range that holds someone who lived there), rolls the communes' rows up into
    /// the provinces their sources named and the provinces' into the country, and drops the
    /// staging table; then sums the aggregates by the month. A plain
    /// insert: a row already there would be a fault, and fails the rebuild.
    func mergeParts() async throws {
        try await connection.query("SET LOCAL statement_timeout = 0")
        // Enough memory to sum in a hash table rather than sort on disk (a larger sum spills to disk, as right).
        try await connection.query("SET LOCAL work_mem = '256MB'")
        try await connection.query(
            """
            WITH staged AS (
                SELECT measure, dimension, value, area_code, day, parent_code, sum(entered)::bigint AS entered,
                       sum(exited)::bigint AS exited, sum(exited_first)::bigint AS exited_first, sum(amount)::bigint AS amount
                FROM \(Self.parts)
                GROUP BY measure, dimension, value, area_code, day, parent_code
            ),
            communes AS (
                SELECT measure, dimension, value, area_code, day, min(parent_code) AS parent_code, sum(entered)::bigint AS entered,
                       sum(exited)::bigint AS exited, sum(exited_first)::bigint AS exited_first, sum(amount)::bigint AS amount
                FROM staged WHERE parent_code <> 'VN'
                GROUP BY measure, dimension, value, area_code, day
            ),
            -- Each commune row counts in the province its sources named (as the live consumer
            -- counts it), beside the person's breakdowns counted in provinces directly.
            provinces AS (
                SELECT measure, dimension, value, area_code, day, parent_code, entered, exited, exited_first, amount
                FROM staged WHERE parent_code = 'VN'
                UNION ALL
                SELECT measure, dimension, value, parent_code, day, 'VN', sum(entered)::bigint, sum(exited)::bigint,
                       sum(exited_first)::bigint, sum(amount)::bigint
                FROM staged WHERE parent_code <> 'VN'
                GROUP BY measure, dimension, value, parent_code, day
            )
            INSERT INTO \(tables("tallies")) (measure, dimension, value, area_code, day, parent_code, entered, exited, exited_first, amount)
            SELECT * FROM (
                SELECT * FROM communes
                UNION ALL
                SELECT * FROM provinces
                UNION ALL
                SELECT measure, dimension, value, 'VN', day, 'VN', sum(entered)::bigint, sum(exited)::bigint, sum(exited_first)::bigint,
                       sum(amount)::bigint
                FROM provinces
                GROUP BY measure, dimension, value, day
            ) AS every
            -- Near the primary key's order (exactly under a C or C.UTF-8 collation, and byte order
            -- sorts faster): index pages are filled in turn rather than revisited at random.
            ORDER BY measure COLLATE "C", dimension COLLATE "C", area_code COLLATE "C", value COLLATE "C", day
            """)
        try await connection.query(
            """
            INSERT INTO \(tables("monthly_tallies")) (measure, dimension, value, area_code, month, parent_code, entered, exited, exited_first, amount)
            SELECT measure, dimension, value, area_code, date_trunc('month', day)::date, min(parent_code), sum(entered)::bigint,
                   sum(exited)::bigint, sum(exited_first)::bigint, sum(amount)::bigint
            FROM \(tables("tallies"))
            GROUP BY 1, 2, 3, 4, 5
            ORDER BY measure COLLATE "C", dimension COLLATE "C", area_code COLLATE "C", value COLLATE "C", 5
            """)
        try await dropParts()
    }

    /// Drops the staging table, if there is one (also after a failed rebuild: it can be as large
    /// as the aggregates).
    func dropParts() async throws {
        try await connection.query("DROP TABLE IF EXISTS \(Self.parts)")
    }
}
