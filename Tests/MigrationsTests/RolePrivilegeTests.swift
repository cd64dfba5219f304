import Foundation
import Migrations
import Postgres
import TestSupport
import Testing

@Suite("Each service's role owns its schema and nothing else")
struct RolePrivilegeTests {
    static let services = ["registry", "treatment", "referrals", "statistics"]

    @Test func rolesCannotReachEachOthersSchemas() async throws {
        try await withTestDatabase("roles") { database in
            for service in Self.services {
                let connection = try await database.connect(role: service)
                try await connection.query(PostgresQuery(unsafeSQL: "CREATE TABLE \(service).private_data (secret text)"))
                await connection.close()
            }
            for reader in Self.services {
                let connection = try await database.connect(role: reader)
                for owner in Self.services where owner != reader {
                    let error = await #expect(throws: PostgresError.self) {
                        try await connection.query(PostgresQuery(unsafeSQL: "SELECT * FROM \(owner).private_data"))
                    }
                    #expect(error?.sqlState == SQLState.insufficientPrivilege)
                }
                let publicError = await #expect(throws: PostgresError.self) {
                    try await connection.query("CREATE TABLE public.anything (x int)")
                }
                #expect(publicError?.sqlState == SQLState.insufficientPrivilege)
                await connection.close()
            }
        }
    }

    @Test func setupScriptIsIdempotent() async throws {
        try await withTestDatabase("roles_again") { database in
            let setup = try String(contentsOf: TestDatabase.repositoryRoot.appending(path: "deploy/sql/setup.sql"), encoding: .utf8)
            let admin = try await database.connect()
            try await admin.execute(script: setup)
            try await admin.execute(script: setup)
            let owners = try await admin.query(
                "SELECT nspname, pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = ANY(\(Self.services + ["bus"])) ORDER BY nspname")
            let pairs = try owners.map { try $0.decode((String, String).self) }
            #expect(pairs.map(\.0) == ["bus", "referrals", "registry", "statistics", "treatment"])
            #expect(pairs.allSatisfy { $0.0 == "bus" ? $0.1 == "bus_owner" : $0.0 == $0.1 })
            await admin.close()
        }
    }
}
