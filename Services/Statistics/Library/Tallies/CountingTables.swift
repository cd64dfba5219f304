import Postgres

/// The counting tables and the live aggregates: the live ones, or the fresh ones a rebuild fills
/// beside them (`rebuild_people`, ...) before swapping them in. Both live in the `statistics`
/// schema, the only one the statistics role may create tables in.
struct CountingTables: Sendable, Equatable {
    /// Prepended to each table's name.
    let prefix: String

    static let live = CountingTables(prefix: "")
    static let rebuild = CountingTables(prefix: "rebuild_")

    /// Every table a rebuild fills from the log, in no particular order.
    static let names = [
        "people", "residences", "statuses", "referrals", "determinations", "episodes", "aftercare", "relapses", "referral_steps", "cases",
        "counselling", "programmes", "tallies", "monthly_tallies",
    ]

    /// The qualified name of `table`.
    func callAsFunction(_ table: StaticString) -> SQLFragment { "statistics.\(identifier: prefix + table.description)" }
}
