import Foundation
import Logging
import Postgres
import Testing

/// A connection that cannot be made says which server, port, user and database were tried (an
/// operator's first question), and never the password.
@Suite("Connection failures name what was tried")
struct ConnectionFailureTests {
    @Test func theErrorNamesHostPortUserAndDatabaseButNotThePassword() async throws {
        let configuration = PostgresConfiguration(
            connectionString: "postgresql://registry:s3cret-Passw0rd@127.0.0.1:1/recovery", connectTimeout: .seconds(2))
        do {
            _ = try await PostgresConnection.connect(configuration: configuration, logger: Logger(label: "test"))
            Issue.record("connected to port 1")
        } catch let error as PostgresError {
            #expect(error.code == .connectionFailed)
            let text = "\(error)"
            #expect(text.contains("registry@127.0.0.1:1/recovery"), "\(text)")
            #expect(!text.contains("s3cret") && !String(reflecting: error).contains("s3cret"), "\(text)")
        }
    }
}
