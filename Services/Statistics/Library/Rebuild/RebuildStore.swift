import EventBus
import Postgres

/// The SQL of a rebuild: fresh tables beside the live ones, and the swap that puts them in place
/// together with the replaying consumer's position.
struct RebuildStore {
    let connection: PostgresConnection

    /// The aggregates, filled at once after the replay: their copies get their indexes once
    /// filled (`createIndex`), which is faster than keeping them on every row inserted.
    static let indexedWhenFilled = ["tallies", "monthly_tallies"]

    /// Drops what an earlier, interrupted rebuild left, and creates empty copies of the live tables
    /// (columns, defaults, constraints, storage settings such as autovacuum's, and indexes; the
    /// aggregates' without their indexes).
    func prepare(consumer: String) async throws {
        try await forget(consumer)
        try await TallyParts(connection: connection).drop()
        for name in CountingTables.names {
            let copy = "statistics." + PostgresQuery.quoteIdentifier("rebuild_" + name)
            try await connection.query("DROP TABLE IF EXISTS statistics.\(identifier: "rebuild_" + name)")
            let copied: SQLFragment = Self.indexedWhenFilled.contains(name) ? "INCLUDING ALL EXCLUDING INDEXES" : "INCLUDING ALL"
            try await connection.query(
                "CREATE TABLE statistics.\(identifier: "rebuild_" + name) (LIKE statistics.\(identifier: name) \(copied))")
            // `LIKE` copies no storage parameters; they are the catalogue's own text for the live table.
            let options = try await connection.query(
                """
                SELECT array_to_string(c.reloptions, ', ') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'statistics' AND c.relname = \(name) AND c.reloptions IS NOT NULL
                """
            ).first?.decode(String.self, at: 0)
            if let options { try await connection.query(PostgresQuery(unsafeSQL: "ALTER TABLE \(copy) SET (\(options))").unprepared()) }
        }
    }

    /// Gathers the planner's statistics of every fresh table.
    func analyze() async throws {
        for name in CountingTables.names {
            try await connection.query("ANALYZE statistics.\(identifier: "rebuild_" + name)")
        }
    }

    /// One index of a live aggregate to build on its fresh copy.
    struct IndexCopy: Sendable {
        let table: String
        let number: Int
        let primary: Bool
        let unique: Bool
        /// The catalogue's own text for the live index, from ` USING`: method, columns, predicate.
        let definition: String

        var name: String { "rebuild_\(table)_\(number)" }
    }

    /// The indexes of the live `tables`, to be built on their fresh copies (`createIndex`), the
    /// largest table's first and its primary key first.
    func indexCopies(of tables: [String]) async throws -> [IndexCopy] {
        let rows = try await connection.query(
            """
            SELECT t.relname, i.indisprimary, i.indisunique, substring(pg_get_indexdef(i.indexrelid) FROM ' USING .*$')
            FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
            WHERE n.nspname = 'statistics' AND t.relname = ANY(\(tables)::text[])
            ORDER BY pg_relation_size(t.oid) DESC, t.relname, i.indisprimary DESC, i.indexrelid
            """)
        var numbers: [String: Int] = [:]
        return try rows.map { row in
            let (table, primary, unique, definition) = try row.decode((String, Bool, Bool, String).self)
            let number = numbers[table, default: 0]
            numbers[table] = number + 1
            return IndexCopy(table: table, number: number, primary: primary, unique: unique, definition: definition)
        }
    }

    /// Builds `index` on `rebuild_<table>` from the rows already in it. Builds of one table may
    /// run at once on several connections; the swap then gives them the live names.
    func createIndex(_ index: IndexCopy) async throws {
        try await connection.query("SET LOCAL maintenance_work_mem = '256MB'")
        try await connection.query("SET LOCAL statement_timeout = 0")
        let target = "statistics." + PostgresQuery.quoteIdentifier("rebuild_" + index.table)
        // The definition is the catalogue's own text for the live index (columns, method, predicate).
        try await connection.query(
            PostgresQuery(
                unsafeSQL: "CREATE \(index.unique ? "UNIQUE " : "")INDEX \(PostgresQuery.quoteIdentifier(index.name)) ON \(target)\(index.definition)"
            ).unprepared())
    }

    /// Makes the primary keys of `indexes`, once built, the primary keys of their tables.
    func addPrimaryKeys(_ indexes: [IndexCopy]) async throws {
        for index in indexes where index.primary {
            let target = "statistics." + PostgresQuery.quoteIdentifier("rebuild_" + index.table)
            try await connection.query(
                PostgresQuery(unsafeSQL: "ALTER TABLE \(target) ADD PRIMARY KEY USING INDEX \(PostgresQuery.quoteIdentifier(index.name))")
                    .unprepared())
        }
    }

    /// In the caller's transaction: locks the tables, waits for the live consumer's batch in flight, gives the live
    /// consumer the replaying one's position and held events, and puts the fresh tables in place
    /// of the live ones (readers wait for the commit, then read the new tables).
    func swap(live: String, replaying: String) async throws {
        // Every table at once, in the order readers take them (aggregates first), waiting at most
        // 10 s for readers to finish: the caller tries again rather than deadlock.
        try await connection.query("SET LOCAL lock_timeout = '10s'")
        let aggregates = ["tallies", "monthly_tallies", "programmes"]
        let tables = aggregates + CountingTables.names.filter { !aggregates.contains($0) }
        try await connection.query(
            PostgresQuery(
                unsafeSQL: "LOCK TABLE " + tables.map { "statistics." + PostgresQuery.quoteIdentifier($0) }.joined(separator: ", ")
                    + " IN ACCESS EXCLUSIVE MODE"))
        let slots = try await connection.query(
            "SELECT consumer FROM bus.consumer_slots WHERE consumer IN (\(live), \(replaying)) ORDER BY consumer, slot FOR UPDATE")
        let replayingSlots = try slots.filter { try $0.decode(String.self, at: 0) == replaying }.count
        guard replayingSlots == EventPublisher.slotCount else {
            throw CountingRebuild.RebuildError.positionLost(found: replayingSlots)
        }
        try await connection.query(
            """
            UPDATE bus.consumer_slots l SET after_xid = r.after_xid, after_id = r.after_id, handled_at = now()
            FROM bus.consumer_slots r WHERE l.consumer = \(live) AND r.consumer = \(replaying) AND r.slot = l.slot
            """)
        try await connection.query("DELETE FROM bus.held_events WHERE consumer = \(live)")
        try await connection.query("UPDATE bus.held_events SET consumer = \(live) WHERE consumer = \(replaying)")
        try await forget(replaying)
        for name in CountingTables.names {
            // The copies' indexes got generated names: each takes the name of the live index it
            // copies (the same definition), so migrations can keep naming them.
            // So do their planner's statistics objects, once the live ones are dropped with their table.
            let names = try await indexNames(matching: name)
            let statistics = try await statisticsNames(matching: name)
            try await connection.query("ALTER TABLE statistics.\(identifier: name) RENAME TO \(identifier: "retired_" + name)")
            try await connection.query("ALTER TABLE statistics.\(identifier: "rebuild_" + name) RENAME TO \(identifier: name)")
            try await connection.query("DROP TABLE statistics.\(identifier: "retired_" + name)")
            for (copy, original) in names where copy != original {
                try await connection.query("ALTER INDEX statistics.\(identifier: copy) RENAME TO \(identifier: original)")
            }
            for (copy, original) in statistics where copy != original {
                try await connection.query("ALTER STATISTICS statistics.\(identifier: copy) RENAME TO \(identifier: original)")
            }
        }
        // Every open dashboard page shows the new tables' figures once this commits.
        try await connection.query("SELECT pg_notify(\(DashboardUpdates.channel), \(DashboardUpdates.everywhere))")
    }

    /// For each index of `rebuild_<table>`, the name of the index of `<table>` with the same
    /// definition (its columns, method and predicate).
    private func indexNames(matching table: String) async throws -> [(copy: String, original: String)] {
        let rows = try await connection.query(
            """
            SELECT c.indexname, o.indexname
            FROM pg_indexes c JOIN pg_indexes o ON o.schemaname = 'statistics' AND o.tablename = \(table)
                AND substring(o.indexdef FROM ' USING .*$') = substring(c.indexdef FROM ' USING .*$')
            WHERE c.schemaname = 'statistics' AND c.tablename = \("rebuild_" + table)
            """)
        return try rows.map { row in
            let (copy, original) = try row.decode((String, String).self)
            return (copy, original)
        }
    }

    /// For each extended statistics object of `rebuild_<table>`, the name of the object of `<table>`
    /// on the same columns or expressions, of the same kinds.
    private func statisticsNames(matching table: String) async throws -> [(copy: String, original: String)] {
        let rows = try await connection.query(
            """
            SELECT c.stxname, o.stxname
            FROM pg_statistic_ext c JOIN pg_class ct ON ct.oid = c.stxrelid
            JOIN pg_statistic_ext o ON o.stxkind = c.stxkind
                AND pg_get_statisticsobjdef_columns(o.oid) = pg_get_statisticsobjdef_columns(c.oid)
            JOIN pg_class ot ON ot.oid = o.stxrelid AND ot.relnamespace = ct.relnamespace
            WHERE ct.relnamespace = 'statistics'::regnamespace AND ct.relname = \("rebuild_" + table) AND ot.relname = \(table)
            """)
        return try rows.map { row in
            let (copy, original) = try row.decode((String, String).self)
            return (copy, original)
        }
    }

    /// Takes the rebuild's session lock on this connection; false if another session holds it.
    func tryLock() async throws -> Bool {
        try await connection.query("SELECT pg_try_advisory_lock(hashtext('statistics.rebuild'))").first?.decode(Bool.self, at: 0) ?? false
    }

    func unlock() async throws {
        try await connection.query("SELECT pg_advisory_unlock(hashtext('statistics.rebuild'))")
    }

    /// Removes a consumer, its positions and its held events.
    func forget(_ consumer: String) async throws {
        try await connection.query("DELETE FROM bus.held_events WHERE consumer = \(consumer)")
        try await connection.query("DELETE FROM bus.consumer_slots WHERE consumer = \(consumer)")
        try await connection.query("DELETE FROM bus.consumers WHERE name = \(consumer)")
    }
}
