import ContractValues
import EventBus
import Foundation
import HTTPTypes
import Postgres
import Registry
import TestSupport
import Testing
import TreatmentContracts

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
            try await withRunningNotifier(database.client(role: "treatment")) { notifier in
                let publisher = EventPublisher(catalogue: TreatmentEvents.catalogue, producer: "treatment", notifier: notifier)
                try await treatment.withTransaction { connection in
                    try await publisher.publish(
                        TreatmentEvents.PersonStatusChanged(
                            personId: UUID(), status: .addicted, validFrom: CalendarDate("2026-02-01")!, validTo: nil, reason: "determination"),
                        on: connection)
                    try await publisher.publish(
                        TreatmentEvents.PersonStatusChanged(
                            personId: person, status: .addicted, validFrom: CalendarDate("2026-02-01")!, validTo: nil, reason: "determination"),
                        on: connection)
                    try await publisher.publish(
                        TreatmentEvents.PersonStatusChanged(
                            personId: person, status: .inTreatment, validFrom: CalendarDate("2026-03-10")!, validTo: nil, reason: "episode_started"),
                        on: connection)
                }
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
            let entries = (history.json["items"] as? [[String: Any]] ?? []).map {
                "\($0["action"] as? String ?? "") \($0["changedBy"] as? String ?? "")"
            }
            #expect(entries == ["create commune00004", "status treatment", "status treatment"])

            let admin = try await database.connect()
            let republished = try await admin.query(
                """
                SELECT payload->>'status' FROM bus.events
                WHERE type = 'registry.person.status_changed' AND key = \(id) ORDER BY xid, id
                """
            ).map { try $0.decode(String.self, at: 0) }
            #expect(republished == ["drug_user", "addicted", "in_treatment"])
            await admin.close()
        }
    }
}

@Suite("Registry: facility staff see people while an episode at their facility is open", .timeLimit(.minutes(2)))
struct FacilityScopeTests {
    @Test func anEpisodeOpensAndItsEndClosesTheFacilitysView() async throws {
        try await PeopleTests.withRegistry("facility_scope") { registry, tokens, database in
            let staff = try await registry.signIn("facility1")
            let facility = UUID(uuidString: "00000000-0000-4000-8000-00000000f001")!
            let id = try PeopleTests.id(try await registry.call(.post, "/v1/people", token: tokens["commune00004"], json: PeopleTests.anh))
            let person = try #require(UUID(uuidString: id))
            #expect(try await registry.call(.get, "/v1/people/\(id)", token: staff).status == 404)

            let episode = UUID()
            func publish(facility: UUID, endedOn: CalendarDate?) async throws {
                let treatment = try await database.connect(role: "treatment")
                try await withRunningNotifier(database.client(role: "treatment")) { notifier in
                    try await treatment.withTransaction { connection in
                        try await EventPublisher(catalogue: TreatmentEvents.catalogue, producer: "treatment", notifier: notifier).publish(
                            TreatmentEvents.EpisodeChanged(
                                episodeId: episode, personId: person, facilityId: facility, form: .compulsory,
                                startedOn: CalendarDate("2026-09-01")!, endedOn: endedOn), on: connection)
                    }
                }
                await treatment.close()
            }
            func visible() async throws -> Int { try await registry.call(.get, "/v1/people/\(id)", token: staff).status }
            func eventually(_ status: Int) async throws -> Int {
                let deadline = ContinuousClock.now + .seconds(15)
                var seen = try await visible()
                while seen != status, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(100))
                    seen = try await visible()
                }
                return seen
            }
            try await publish(facility: facility, endedOn: nil)
            #expect(try await eventually(200) == 200)
            let listed = try await registry.call(.get, "/v1/people", token: staff)
            #expect((listed.json["items"] as? [[String: Any]])?.count == 1)
            // Reading, not writing: the facility does not manage the record.
            #expect(try await registry.call(.patch, "/v1/people/\(id)", token: staff, json: "{}", headers: [.ifMatch: #""1""#]).status == 403)
            // Callers of other jurisdictions still see nothing.
            #expect(try await registry.call(.get, "/v1/people/\(id)", token: tokens["commune00097"]).status == 404)
            try await publish(facility: facility, endedOn: CalendarDate("2026-10-15")!)
            #expect(try await eventually(404) == 404)
        }
    }
}
