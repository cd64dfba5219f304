import Foundation
import HTTPTypes
import Postgres
import Registry
import ServiceKit
import TestSupport
import Testing
import Treatment

/// The daily work lists (`GET /v1/deadlines`) and after-care following a move, through the
/// treatment and registry APIs and the bus, against the real database.
@Suite("Treatment: deadlines and moves", .timeLimit(.minutes(3)))
struct DeadlineTests {
    static func items(_ reply: ServiceClient.Reply, _ section: String) -> [[String: Any]] {
        ((reply.json[section] as? [String: Any])?["items"] as? [[String: Any]]) ?? []
    }

    @Test func theCommuneSeesWhatFallsDueAndTheRegistrationDeadlineCountsWorkingDays() async throws {
        try await PeopleTests.withRegistry("deadlines") { registry, tokens, database in
            let commune = tokens["commune00004"]
            let person = try PeopleTests.id(try await registry.call(.post, "/v1/people", token: commune, json: PeopleTests.anh))
            let other = try PeopleTests.id(
                try await registry.call(
                    .post, "/v1/people", token: commune,
                    json: #"{"fullName":"Trần Văn Bình","birthYear":1990,"sex":"male","residence":{"communeCode":"00004"}}"#))
            // A drug user's management period, lapsing on 2026-12-19.
            let managed = try await registry.call(
                .post, "/v1/people/\(other)/statuses", token: commune,
                json: #"{"status":"drug_user","validFrom":"2025-12-20","decisionNumber":"9/QĐ-UBND"}"#)
            #expect(managed.status == 201, "\(managed.body)")
            try await ServiceHarness.withService(TreatmentService.descriptor, database: database) { treatment in
                func deadlines(_ on: String, token: String? = commune, query: String = "") async throws -> ServiceClient.Reply {
                    try await treatment.call(.get, "/v1/deadlines?on=\(on)\(query)", token: token)
                }
                // Wednesday 29 April 2026: 30 April and 1 May are holidays, then a weekend; the
                // fifth working day after is Friday 8 May.
                let determined = try await treatment.call(
                    .post, "/v1/people/\(person)/determinations", token: commune,
                    json: DeterminationTests.determination("2026-04-29", ["craving", "withdrawal", "tolerance"]))
                #expect((determined.json["registrationDeadline"] as? [String: Any])?["dueOn"] as? String == "2026-05-08", "\(determined.body)")
                let dueDay = try await deadlines("2026-05-08")
                #expect(dueDay.status == 200, "\(dueDay.body)")
                let due = Self.items(dueDay, "registrationDue")
                #expect(due.count == 1 && due.first?["personId"] as? String == person && due.first?["overdue"] as? Bool == false, "\(dueDay.body)")
                #expect(Self.items(try await deadlines("2026-05-11"), "registrationDue").first?["overdue"] as? Bool == true)

                // Registered: the deadline goes; the episode's end comes into view 30 days ahead.
                let opened = try await treatment.call(
                    .post, "/v1/people/\(person)/episodes", token: commune, json: EpisodeTests.community(start: "2026-05-11", end: "2026-11-10"))
                let episode = try #require(opened.json["id"] as? String, "\(opened.body)")
                #expect(try await treatment.call(.post, "/v1/episodes/\(episode)/start", token: commune, json: #"{"on":"2026-05-11"}"#).status == 200)
                #expect(Self.items(try await deadlines("2026-05-11"), "registrationDue").isEmpty)
                #expect(Self.items(try await deadlines("2026-10-01"), "episodesEnding").isEmpty)
                let ending = Self.items(try await deadlines("2026-10-20"), "episodesEnding")
                #expect(ending.first?["episodeId"] as? String == episode && ending.first?["daysLeft"] as? Int == 21, "\(ending)")

                for (stage, day) in [("intake", "2026-05-12"), ("detoxification", "2026-06-01"), ("counselling", "2026-08-01")] {
                    _ = try await treatment.call(
                        .post, "/v1/episodes/\(episode)/stages", token: commune, json: #"{"stage":"\#(stage)","completedOn":"\#(day)"}"#)
                }
                let done = try await treatment.call(
                    .post, "/v1/episodes/\(episode)/end", token: commune, json: #"{"reason":"completed","on":"2026-11-10"}"#)
                #expect(done.status == 200, "\(done.body)")
                // After-care from 11 November: its first contact falls due 30 days on (AFTERCARE_CONTACT_DAYS).
                #expect(Self.items(try await deadlines("2026-12-09"), "contactsOverdue").isEmpty)
                let overdue = Self.items(try await deadlines("2026-12-10"), "contactsOverdue")
                #expect(overdue.first?["personId"] as? String == person && overdue.first?["dueOn"] as? String == "2026-12-10", "\(overdue)")
                let aftercare = try #require(overdue.first?["aftercareId"] as? String)
                _ = try await treatment.call(
                    .post, "/v1/aftercare/\(aftercare)/contacts", token: commune, json: #"{"kind":"visit","on":"2026-12-01"}"#)
                #expect(Self.items(try await deadlines("2026-12-10"), "contactsOverdue").isEmpty)
                #expect(Self.items(try await deadlines("2027-10-20"), "aftercareEnding").first?["endsOn"] as? String == "2027-11-10")

                // The registry's management period about to lapse.
                let lapsing = Self.items(try await deadlines("2026-12-05"), "managementLapsing")
                #expect(lapsing.first?["personId"] as? String == other && lapsing.first?["lastDay"] as? String == "2026-12-19", "\(lapsing)")

                // A relapse during after-care waits for compulsory treatment.
                let positive = try await treatment.call(
                    .post, "/v1/people/\(person)/tests", token: commune,
                    json: #"{"testedOn":"2026-12-03","method":"saliva","substances":["methamphetamine"],"positive":true}"#)
                #expect(positive.json["relapseId"] is String, "\(positive.body)")
                #expect(Self.items(try await deadlines("2026-12-05"), "compulsoryTriggers").first?["personId"] as? String == person)

                // Each sees their own area: the province the same, another commune nothing, a
                // commune officer no other area.
                let province = try await deadlines("2026-12-05", token: tokens["province01"])
                #expect(province.json["area"] as? String == "province:01" && Self.items(province, "compulsoryTriggers").count == 1)
                let ofCommune = try await deadlines("2026-12-05", token: tokens["province01"], query: "&commune=00004")
                #expect(ofCommune.json["area"] as? String == "commune:00004" && Self.items(ofCommune, "managementLapsing").count == 1)
                let elsewhere = try await deadlines("2026-12-05", token: tokens["commune00097"])
                #expect(Self.items(elsewhere, "compulsoryTriggers").isEmpty && Self.items(elsewhere, "managementLapsing").isEmpty)
                #expect(try await deadlines("2026-12-05", query: "&province=01").status == 403)
                #expect(try await deadlines("2026-12-05", query: "&within=0").status == 422)
                let staff = try await registry.signIn("facility1")
                #expect(try await deadlines("2026-12-05", token: staff).json["area"] as? String == "facility:00000000-0000-4000-8000-00000000f001")
            }
        }
    }

    @Test func afterCareFollowsTheMoveAndTheOldCommuneKeepsWhatItWrote() async throws {
        try await PeopleTests.withRegistry("aftercare_move") { registry, tokens, database in
            let commune = tokens["commune00004"]
            let person = try PeopleTests.id(try await registry.call(.post, "/v1/people", token: commune, json: PeopleTests.anh))
            try await ServiceHarness.withService(TreatmentService.descriptor, database: database) { treatment in
                let opened = try await treatment.call(
                    .post, "/v1/people/\(person)/episodes", token: commune, json: EpisodeTests.community(start: "2025-01-06", end: "2025-07-05"))
                let episode = try #require(opened.json["id"] as? String, "\(opened.body)")
                _ = try await treatment.call(.post, "/v1/episodes/\(episode)/start", token: commune, json: #"{"on":"2025-01-06"}"#)
                for (stage, day) in [("intake", "2025-01-07"), ("detoxification", "2025-02-01"), ("counselling", "2025-04-01")] {
                    _ = try await treatment.call(
                        .post, "/v1/episodes/\(episode)/stages", token: commune, json: #"{"stage":"\#(stage)","completedOn":"\#(day)"}"#)
                }
                #expect(
                    try await treatment.call(.post, "/v1/episodes/\(episode)/end", token: commune, json: #"{"reason":"completed","on":"2025-07-05"}"#)
                        .status == 200)
                let care = try await treatment.call(.get, "/v1/people/\(person)/aftercare", token: commune)
                let aftercare = try #require((care.json["items"] as? [[String: Any]])?.first?["id"] as? String, "\(care.body)")
                _ = try await treatment.call(
                    .post, "/v1/aftercare/\(aftercare)/contacts", token: commune, json: #"{"kind":"visit","on":"2025-08-01","note":"Gặp tại nhà"}"#)

                // The person moves to commune 00097.
                let admin = try await database.connect()
                try await admin.query("UPDATE registry.people SET residence_since = '2025-01-01' WHERE id = \(UUID(uuidString: person)!)")
                try await admin.query("UPDATE registry.residences SET from_date = '2025-01-01' WHERE person_id = \(UUID(uuidString: person)!)")
                await admin.close()
                let moved = try await registry.call(
                    .post, "/v1/people/\(person)/moves", token: commune, json: #"{"communeCode":"00097","address":"20 Phúc Xá","date":"2025-09-01"}"#)
                #expect(moved.status == 204, "\(moved.body)")

                let newCommune = tokens["commune00097"]
                let deadline = ContinuousClock.now + .seconds(20)
                var seen = try await treatment.call(.get, "/v1/aftercare/\(aftercare)", token: newCommune)
                while seen.status != 200, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(100))
                    seen = try await treatment.call(.get, "/v1/aftercare/\(aftercare)", token: newCommune)
                }
                #expect(seen.status == 200 && seen.json["communeCode"] as? String == "00097", "\(seen.body)")
                // The new commune sees the whole record and logs its own contacts.
                #expect((seen.json["contacts"] as? [[String: Any]])?.count == 1)
                #expect(try await treatment.call(.get, "/v1/episodes/\(episode)", token: newCommune).status == 200)
                let logged = try await treatment.call(
                    .post, "/v1/aftercare/\(aftercare)/contacts", token: newCommune, json: #"{"kind":"call","on":"2025-09-10"}"#)
                #expect(logged.status == 200, "\(logged.body)")
                // The old commune no longer sees the after-care, only the contact it logged.
                #expect(try await treatment.call(.get, "/v1/aftercare/\(aftercare)", token: commune).status == 404)
                #expect(try await treatment.call(.get, "/v1/people/\(person)/aftercare", token: commune).status == 404)
                let own = try await treatment.call(.get, "/v1/contacts?from=2025-01-01&to=2025-12-31", token: commune)
                let contacts = own.json["items"] as? [[String: Any]]
                #expect(contacts?.count == 1 && (contacts?.first?["contact"] as? [String: Any])?["note"] as? String == "Gặp tại nhà", "\(own.body)")
                #expect(try await PeopleTests.events(database, type: "treatment.aftercare.moved").count == 1)
            }
        }
    }
}
