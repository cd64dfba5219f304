import EventBus
import Foundation
import HTTPTypes
import Postgres
import Registry
import TestSupport
import Testing
import Treatment

@Suite("Registry: management status kept current from treatment events", .timeLimit(.minutes(2)))
struct TreatmentStatusTests {
    @Test func treatmentEventsUpdateTheDatedStatusAndAreRepublishedWithoutNames() async throws {
        try await PeopleTests.withRegistry("treatment_status") { registry, tokens, database in
            var body = PeopleTests.anh
            body.removeLast()
            body += #","management":{"decisionDate":"2026-01-05"}}"#
            let id = try PeopleTests.id(try await registry.call(.post, "/v1/people", token: tokens["commune00004"], json: body))
            let person = try #require(UUID(uuidString: id))

            // The treatment service publishes (as its own role): a determination, then an episode.
            let treatment = try await database.connect(role: "treatment")
            let publisher = EventPublisher(catalogue: TreatmentEvents.catalogue, producer: "treatment")
            try await treatment.withTransaction { connection in
                try await publisher.publish(TreatmentEvents.PersonStatusChanged(
                    personId: UUID(), status: "addicted", validFrom: "2026-02-01", validTo: nil, reason: "determination"), on: connection)
                try await publisher.publish(TreatmentEvents.PersonStatusChanged(
                    personId: person, status: "addicted", validFrom: "2026-02-01", validTo: nil, reason: "determination"), on: connection)
                try await publisher.publish(TreatmentEvents.PersonStatusChanged(
                    personId: person, status: "in_treatment", validFrom: "2026-03-10", validTo: nil, reason: "episode_started"), on: connection)
            }
            await treatment.close()

            func status(on day: String) async throws -> String? {
                try await registry.call(.get, "/v1/people/\(id)/status?on=\(day)", token: tokens["commune00004"]).json["status"] as? String
            }
            let deadline = ContinuousClock.now + .seconds(15)
            while try await status(on: "2026-03-10") != "in_treatment", ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(try await status(on: "2026-01-20") == "drug_user")
            #expect(try await status(on: "2026-02-15") == "addicted")
            #expect(try await status(on: "2026-03-10") == "in_treatment")
            let history = try await registry.call(.get, "/v1/people/\(id)/history", token: tokens["commune00004"])
            let entries = (history.json["items"] as? [[String: Any]] ?? []).map { "\($0["action"] as? String ?? "") \($0["changedBy"] as? String ?? "")" }
            #expect(entries == ["create commune00004", "status treatment", "status treatment"])

            let admin = try await database.connect()
            let republished = try await admin.query("""
                SELECT payload->>'status' FROM bus.events
                WHERE type = 'registry.person.status_changed' AND key = \(id) ORDER BY xid, id
                """).map { try $0.decode(String.self, at: 0) }
            #expect(republished == ["drug_user", "addicted", "in_treatment"])
            await admin.close()
        }
    }
}
