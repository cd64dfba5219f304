import Foundation
import HTTPTypes
import Postgres
import Registry
import ServiceKit
import TestSupport
import Testing

@Suite("Database roles see only what they need", .timeLimit(.minutes(2)))
struct LeastPrivilegeTests {
    /// Column names that hold personal data (a birth year alone is not one; a birth date is).
    static let personalColumn =
        #"(full_name|display_name|username|national_id|cccd|cmnd|address|phone|birth_date|date_of_birth|password|token|key_hash)"#

    @Test func theStatisticsRoleCanReadNoTableWithPersonalData() async throws {
        try await withTestDatabase("privileges_stats") { database in
            // Every service's migrations applied, as in production.
            try await ServiceHarness.withService(RegistryService.descriptor, database: database) { _ in }
            let statistics = try await database.connect(role: "statistics")
            // Generated from the catalogue, not a hand-picked list: every column the role can SELECT.
            let readable = try await statistics.query(
                """
                SELECT c.table_schema || '.' || c.table_name || '.' || c.column_name
                FROM information_schema.columns c
                WHERE c.table_schema NOT IN ('pg_catalog', 'information_schema')
                  AND has_column_privilege(quote_ident(c.table_schema) || '.' || quote_ident(c.table_name), c.column_name, 'SELECT')
                  AND c.column_name ~ \(Self.personalColumn)
                """
            ).map { try $0.decode(String.self, at: 0) }
            #expect(readable == [])
            for table in ["registry.accounts", "registry.sessions", "registry.api_keys", "registry.login_throttle", "audit.entries", "audit.chain"] {
                await #expect(throws: PostgresError.self, "\(table)") {
                    try await statistics.query(PostgresQuery(unsafeSQL: "SELECT * FROM \(table) LIMIT 1"))
                }
            }
            // What it may do: resolve a token to a role, without names.
            let identity = try await statistics.query("SELECT * FROM registry.session_identity(\(Data(count: 32)))")
            #expect(identity.isEmpty)
            // The dashboard's sign-in: a salt, never a hash; the throttle only through open_session.
            let parameters = try await statistics.query("SELECT parameters, salt FROM registry.sign_in_parameters('nobody')")
            let (cost, _) = try #require(try parameters.first?.decode((String, String).self))
            #expect(cost == "ln=15,r=8,p=1")
            for call in [
                "registry.record_login_failure('nobody')", "registry.record_login_success('nobody')", "registry.login_retry_after('nobody')",
            ] {
                await #expect(throws: PostgresError.self, "\(call)") {
                    try await statistics.query(PostgresQuery(unsafeSQL: "SELECT \(call)"))
                }
            }
            await statistics.close()
        }
    }
}
