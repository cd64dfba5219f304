@testable import Postgres
import Testing

/// Which server errors say "try again shortly" (a 503 with `Retry-After` in the services) rather
/// than "this request is wrong" or "this is a bug".
@Suite("Errors that mean the database cannot serve the request now")
struct UnavailabilityTests {
    @Test func aStandbyCancellingAReadForItsReplayIsRetrySafe() {
        let conflict = PostgresError(
            code: .server, sqlState: "40001", message: "canceling statement due to conflict with recovery",
            detail: "User was holding a relation lock for too long.")
        #expect(conflict.unavailability?.retrySafe == true)
        #expect(conflict.unavailability?.reason.contains("standby") == true)
        // A serialization failure on the primary is the caller's to handle (it may retry itself).
        let serialization = PostgresError(
            code: .server, sqlState: "40001", message: "could not serialize access due to concurrent update")
        #expect(serialization.unavailability == nil)
    }

    @Test func limitsAndShutdownsAreRetrySafe() {
        for state in ["53300", "53100", "53200", "57014", "57P01", "57P03"] {
            #expect(PostgresError(code: .server, sqlState: state, message: "x").unavailability?.retrySafe == true, "\(state)")
        }
        #expect(PostgresError(code: .server, sqlState: "23505", message: "duplicate key").unavailability == nil)
    }
}
