import Postgres

/// A rebuild's count of everyone's contributions: each range of people's aggregate rows in the
/// lowest areas appended to a staging table (`countPart`), then summed, rolled up and written
/// into the fresh aggregates by the day and by the month (`merge`). The staging table is split
/// by the hash of (measure, dimension, value), and every sum of the merge keeps those three, so
/// each split merges on its own: several at once, each within its own memory.
struct TallyParts {
    let connection: PostgresConnection
    var tables = CountingTables.rebuild

    /// The staging table (unlogged: an interrupted rebuild starts over anyway).
    static let table: SQLFragment = "statistics.rebuild_tally_parts"

    /// How many ways the staging table is split.
    static let splits = 16

    /// The split `index` of the staging table.
    static func split(_ index: Int) -> SQLFragment { "statistics.\(identifier: "rebuild_tally_parts_\(index)")" }

    /// Creates the staging table afresh, empty.
    func create() async throws {
        try await drop()
        try await connection.query(
            "CREATE TABLE \(Self.table) (LIKE \(tables("tallies")) INCLUDING DEFAULTS) PARTITION BY HASH (measure, dimension, value)")
        for index in 0..<Self.splits {
            // DDL takes no parameters; both numbers are the program's own.
            try await connection.query(
                PostgresQuery(
                    unsafeSQL: "CREATE UNLOGGED TABLE statistics.rebuild_tally_parts_\(index) PARTITION OF statistics.rebuild_tally_parts "
                        + "FOR VALUES WITH (MODULUS \(Self.splits), REMAINDER \(index))"
                ).unprepared())
        }
    }

    /// Appends the aggregate rows of everyone whose id is in range `index` (`Contributions.People`),
    /// in the lowest areas only (`Contributions.Levels.lowest`), with no time limit (it reads
    /// every row of the range). Ranges may run at once on several connections: they only append.
    func countPart(range index: Int) async throws {
        try await connection.query("SET LOCAL statement_timeout = 0")
        // A range's rows are summed in memory (a few hundred thousand groups), not spilled to disk,
        // without compiling the query first (JIT: a tenth of a second more per range, by hand).
        _ = try await connection.execute(script: "SET LOCAL work_mem = '128MB'; SET LOCAL jit = off")
        let query: PostgresQuery = """
            INSERT INTO \(Self.table) (measure, dimension, value, area_code, day, parent_code, entered, exited, exited_first, amount)
            \(Contributions.rows(tables: tables, people: .range(index), levels: .lowest))
            """
        try await connection.query(query.unprepared())
    }

    /// The splits, largest first: merged in this order, two connections finish near the same time.
    func splitsBySize() async throws -> [Int] {
        let rows = try await connection.query(
            """
            SELECT substring(c.relname FROM '[0-9]+$')::int FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = 'statistics.rebuild_tally_parts'::regclass
            ORDER BY pg_relation_size(c.oid) DESC
            """)
        return try rows.map { try $0.decode(Int.self, at: 0) }
    }

    /// Sums split `index` into the aggregates, which have no indexes until every split is in (a
    /// commune's rows get a part from every range that holds someone who lived there): rolls the
    /// communes' rows up into the provinces their sources named and the provinces' into the
    /// country, and sums the days of each month into `monthly_tallies` (but for the person's
    /// breakdowns, by the month already: `Measure.commonDimensions`). Splits may run at once
    /// on several connections; the primary keys built after (`RebuildStore.addPrimaryKeys`) prove
    /// that no row came twice.
    func merge(split index: Int) async throws {
        try await connection.query("SET LOCAL statement_timeout = 0")
        // Enough memory to sum in a hash table rather than sort on disk (a larger sum spills to disk,
        // as right); no JIT, as for the ranges.
        _ = try await connection.execute(script: "SET LOCAL work_mem = '128MB'; SET LOCAL jit = off")
        let query: PostgresQuery = """
            WITH staged AS (
                SELECT measure, dimension, value, area_code, day, parent_code, sum(entered)::bigint AS entered,
                       sum(exited)::bigint AS exited, sum(exited_first)::bigint AS exited_first, sum(amount)::bigint AS amount
                FROM \(Self.split(index))
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
            ),
            every AS (
                SELECT * FROM communes
                UNION ALL
                SELECT * FROM provinces
                UNION ALL
                SELECT measure, dimension, value, 'VN', day, 'VN', sum(entered)::bigint, sum(exited)::bigint, sum(exited_first)::bigint,
                       sum(amount)::bigint
                FROM provinces
                GROUP BY measure, dimension, value, day
            ),
            daily AS (
                INSERT INTO \(tables("tallies")) (measure, dimension, value, area_code, day, parent_code, entered, exited, exited_first, amount)
                SELECT * FROM every
            )
            INSERT INTO \(tables("monthly_tallies")) (measure, dimension, value, area_code, month, parent_code, entered, exited, exited_first, amount)
            SELECT measure, dimension, value, area_code, day - extract(day FROM day)::int + 1, min(parent_code), sum(entered)::bigint,
                   sum(exited)::bigint, sum(exited_first)::bigint, sum(amount)::bigint
            FROM every
            WHERE NOT dimension = ANY(\(Measure.commonDimensions)::text[])
            GROUP BY 1, 2, 3, 4, 5
            """
        try await connection.query(query.unprepared())
    }

    /// Drops the staging table, if there is one (also after a failed rebuild: it can be as large
    /// as the aggregates).
    func drop() async throws {
        try await connection.query("DROP TABLE IF EXISTS \(Self.table)")
    }
}
