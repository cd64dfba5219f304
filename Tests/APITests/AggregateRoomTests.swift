import ContractValues
import Foundation
import Postgres
import TestSupport
import Testing

@testable import Statistics

/// The aggregates' pages keep room for updates: the counting consumer's additions to rows it
/// added earlier (today's, this month's) update them in place (HOT), moving no row and adding no
/// index entry.
@Suite("Statistics: room for updates on the aggregates' pages", .timeLimit(.minutes(3)))
struct AggregateRoomTests {
    /// 400 communes' rows, as a day's first events add them, then ten additions to two rows of every page.
    @Test func additionsToRowsAlreadyThereStayOnTheirPages() async throws {
        try await PeopleTests.withRegistry("statistics_room") { _, _, database in
            try await ServiceHarness.withService(StatisticsService.descriptor, database: database) { _ in
                let connection = try await database.connect(role: "statistics")
                let store = TallyStore(connection: connection)
                let day = try #require(CalendarDate(year: 2026, month: 12, day: 7))
                func tally(_ commune: Int) -> Tally {
                    Tally(
                        key: .init(measure: "room", dimension: "", value: "", areaCode: String(format: "%05d", commune), day: day),
                        parentCode: "01", entered: 1, exited: 0, exitedFirst: 0, amount: 0)
                }
                try await store.add((1...400).map(tally))
                let tables = [("tallies", "day"), ("monthly_tallies", "month")]
                // Each row's page, by commune, in `table`.
                func pages(_ table: String, _ column: String) async throws -> [String: Int] {
                    let rows = try await connection.query(
                        PostgresQuery(
                            unsafeSQL:
                                "SELECT area_code, (ctid::text::point)[0]::int FROM statistics.\(table) WHERE measure = 'room' AND \(column) >= '2026-12-01'"
                        ))
                    return Dictionary(uniqueKeysWithValues: try rows.map { try $0.decode((String, Int).self) })
                }
                var before: [String: [String: Int]] = [:]
                var updated = Set<String>()
                for (table, column) in tables {
                    let rows = try await pages(table, column)
                    before[table] = rows
                    #expect(rows.count == 400 && Set(rows.values).count >= 4, "\(table): \(Set(rows.values).count) pages")
                    // The first two rows of each page.
                    updated.formUnion(Dictionary(grouping: rows.keys.sorted(), by: { rows[$0]! }).values.flatMap { $0.prefix(2) })
                }
                // Ten additions to each of them in one transaction: the server counts its updates
                // exactly, and their old versions stay (no pruning makes room).
                let communes = updated.compactMap { Int($0) }.sorted()
                try await connection.query("BEGIN")
                for _ in 1...10 { try await store.add(communes.map(tally)) }
                var inPlace: [String: Int] = [:]
                for (table, _) in tables {
                    inPlace[table] = try await connection.query(
                        PostgresQuery(unsafeSQL: "SELECT pg_stat_get_xact_tuples_hot_updated('statistics.\(table)'::regclass)::int")
                    ).first?.decode(Int.self, at: 0)
                }
                try await connection.query("COMMIT")
                for (table, column) in tables {
                    #expect(inPlace[table] == 10 * communes.count, "\(table): \(inPlace[table] ?? -1) of \(10 * communes.count) updates in place")
                    let after = try await pages(table, column)
                    let moved = updated.filter { after[$0] != before[table]?[$0] }.sorted()
                    #expect(moved.isEmpty, "\(table): rows moved to another page: \(moved)")
                }
                await connection.close()
            }
        }
    }
}
