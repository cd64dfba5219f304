import ContractValues
import EventBus
import Foundation
import HTTPTypes
import Postgres
import Referrals
import Registry
import ServiceKit
import TestSupport
import Testing
import Treatment
import TreatmentContracts

/// Reintegration cases in the referrals service, opened from the treatment service's events
/// through the bus: once per after-care period even when an event comes again, assessed and
/// counselled by the commune, handed over on a move, closed when after-care ends; never seen by
/// partner accounts.
@Suite("Referrals: reintegration cases from after-care", .timeLimit(.minutes(3)))
struct CaseTests {
    /// Waits until `check` holds for the reply of `path` (the consumers work asynchronously).
    static func eventually(
        _ service: ServiceClient, _ path: String, token: String?, _ check: (ServiceClient.Reply) -> Bool
    ) async throws -> ServiceClient.Reply {
        let deadline = ContinuousClock.now + .seconds(20)
        var reply = try await service.call(.get, path, token: token)
        while !check(reply), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            reply = try await service.call(.get, path, token: token)
        }
        return reply
    }

    @Test func aCaseOpensOnceFromAfterCareFollowsTheMoveAndClosesWithIt() async throws {
        try await PeopleTests.withRegistry("cases") { registry, tokens, database in
            let commune = tokens["commune00004"]
            let person = try PeopleTests.id(try await registry.call(.post, "/v1/people", token: commune, json: PeopleTests.anh))
            try await ServiceHarness.withService(TreatmentService.descriptor, database: database) { treatment in
                try await ServiceHarness.withService(ReferralsService.descriptor, database: database) { referrals in
                    // Treatment at family or community, completed: after-care opens, and with it the case.
                    let opened = try await treatment.call(
                        .post, "/v1/people/\(person)/episodes", token: commune, json: EpisodeTests.community(start: "2025-01-06", end: "2025-07-05"))
                    let episode = try #require(opened.json["id"] as? String, "\(opened.body)")
                    _ = try await treatment.call(.post, "/v1/episodes/\(episode)/start", token: commune, json: #"{"on":"2025-01-06"}"#)
                    for (stage, day) in [("intake", "2025-01-07"), ("detoxification", "2025-02-01"), ("counselling", "2025-04-01")] {
                        _ = try await treatment.call(
                            .post, "/v1/episodes/\(episode)/stages", token: commune, json: #"{"stage":"\#(stage)","completedOn":"\#(day)"}"#)
                    }
                    let done = try await treatment.call(
                        .post, "/v1/episodes/\(episode)/end", token: commune, json: #"{"reason":"completed","on":"2025-07-05"}"#)
                    #expect(done.status == 200, "\(done.body)")
                    let care = try await treatment.call(.get, "/v1/people/\(person)/aftercare", token: commune)
                    let aftercare = try #require((care.json["items"] as? [[String: Any]])?.first?["id"] as? String, "\(care.body)")
                    _ = try await treatment.call(
                        .post, "/v1/aftercare/\(aftercare)/support-needs", token: commune, json: #"{"needs":["job","loan"],"on":"2025-07-10"}"#)

                    let listed = try await Self.eventually(referrals, "/v1/cases", token: commune) { reply in
                        ((reply.json["items"] as? [[String: Any]])?.first?["needs"] as? [String]) == ["job", "loan"]
                    }
                    let items = try #require(listed.json["items"] as? [[String: Any]], "\(listed.body)")
                    #expect(items.count == 1 && items[0]["aftercareId"] as? String == aftercare && items[0]["openedOn"] as? String == "2025-07-06")
                    let caseID = try #require(items[0]["id"] as? String)

                    // The same event again opens nothing more.
                    let again = try await database.connect(role: "treatment")
                    try await withRunningNotifier(database.client(role: "treatment")) { notifier in
                        try await again.withTransaction { connection in
                            try await EventPublisher(catalogue: TreatmentEvents.catalogue, producer: "treatment", notifier: notifier).publish(
                                TreatmentEvents.AftercareStarted(
                                    aftercareId: UUID(uuidString: aftercare)!, personId: UUID(uuidString: person)!,
                                    episodeId: UUID(uuidString: episode)!,
                                    form: .voluntaryCommunity, startsOn: CalendarDate("2025-07-06")!, endsOn: CalendarDate("2026-07-05")!,
                                    regime: "law-73-2021", communeCode: "00004", provinceCode: "01"), on: connection)
                        }
                    }
                    await again.close()
                    // A later event of the same person is applied after the replayed one: once it
                    // shows, the replay has been handled too.
                    _ = try await treatment.call(
                        .post, "/v1/aftercare/\(aftercare)/support-needs", token: commune, json: #"{"needs":["schooling"],"on":"2025-07-11"}"#)
                    let after = try await Self.eventually(referrals, "/v1/cases", token: commune) { reply in
                        ((reply.json["items"] as? [[String: Any]])?.first?["needs"] as? [String])?.contains("schooling") == true
                    }
                    #expect((after.json["items"] as? [[String: Any]])?.count == 1, "\(after.body)")
                    #expect((after.json["items"] as? [[String: Any]])?.first?["needs"] as? [String] == ["job", "loan", "schooling"], "\(after.body)")

                    // The commune assesses and counsels; the case is published without names.
                    let assessed = try await referrals.call(
                        .put, "/v1/cases/\(caseID)/assessment", token: commune,
                        json: #"{"needs":["vocational_training","job"],"skills":"Hàn điện","priorWork":"Phụ hồ","assessedOn":"2025-07-15"}"#)
                    #expect(assessed.status == 200 && assessed.json["needs"] as? [String] == ["vocational_training", "job"], "\(assessed.body)")
                    let counselled = try await referrals.call(
                        .post, "/v1/cases/\(caseID)/counselling", token: commune,
                        json: #"{"givenOn":"2025-07-20","givenBy":"Đội công tác xã hội","topic":"Học nghề hàn"}"#)
                    #expect((counselled.json["counselling"] as? [[String: Any]])?.count == 1, "\(counselled.body)")
                    let early = try await referrals.call(
                        .post, "/v1/cases/\(caseID)/counselling", token: commune, json: #"{"givenOn":"2025-07-01","givenBy":"x","topic":"y"}"#)
                    #expect(early.status == 422 && early.fieldProblems["/givenOn"] != nil, "\(early.body)")
                    let payloads = try await PeopleTests.events(database, type: "referrals.case.changed")
                    #expect(!payloads.isEmpty && payloads.allSatisfy { !$0.contains("Tuyết") && !$0.contains("Hàn điện") }, "\(payloads)")
                    #expect(try await PeopleTests.events(database, type: "referrals.case.counselling_given").count == 1)

                    // Partners never see cases; other communes and province 79 find nothing.
                    let partner = try await registry.signIn("partner1")
                    #expect(try await referrals.call(.get, "/v1/cases", token: partner).status == 403)
                    // A referral from the case names it to officers, never to the partner.
                    let setup = try await database.connect()
                    try await setup.query(
                        "INSERT INTO referrals.partners (id, name, search_name, kind) VALUES (\(UUID(uuidString: ReferralTests.partnerID)!), 'Trung tâm', 'trung tam', 'employment_centre')"
                    )
                    await setup.close()
                    let referred = try await referrals.call(
                        .post, "/v1/people/\(person)/referrals", token: commune,
                        json: #"{"partnerId":"\#(ReferralTests.partnerID)","kind":"job","request":"Việc làm","caseId":"\#(caseID)"}"#)
                    #expect((referred.json["details"] as? [String: Any])?["caseId"] as? String == caseID, "\(referred.body)")
                    let partnerView = try await referrals.call(.get, "/v1/referrals/\(try #require(referred.json["id"] as? String))", token: partner)
                    #expect(partnerView.status == 200 && (partnerView.json["details"] as? [String: Any])?["caseId"] == nil, "\(partnerView.body)")
                    #expect(!partnerView.body.contains(caseID))
                    #expect(try await referrals.call(.get, "/v1/cases/\(caseID)", token: tokens["commune00097"]).status == 404)
                    #expect((try await referrals.call(.get, "/v1/cases", token: tokens["province79"]).json["items"] as? [Any])?.isEmpty == true)
                    #expect(try await referrals.call(.get, "/v1/cases/\(caseID)", token: tokens["province01"]).status == 200)
                    #expect(
                        try await referrals.call(
                            .post, "/v1/cases/\(caseID)/close", token: tokens["province01"], json: #"{"on":"2025-08-01"}"#
                        ).status == 403)

                    // The person moves: the new commune follows the case.
                    let admin = try await database.connect()
                    try await admin.query("UPDATE registry.people SET residence_since = '2025-01-01' WHERE id = \(UUID(uuidString: person)!)")
                    try await admin.query("UPDATE registry.residences SET from_date = '2025-01-01' WHERE person_id = \(UUID(uuidString: person)!)")
                    await admin.close()
                    let moved = try await registry.call(
                        .post, "/v1/people/\(person)/moves", token: commune, json: #"{"communeCode":"00097","date":"2025-09-01"}"#)
                    #expect(moved.status == 204, "\(moved.body)")
                    let handed = try await Self.eventually(referrals, "/v1/cases/\(caseID)", token: tokens["commune00097"]) { $0.status == 200 }
                    #expect(handed.json["communeCode"] as? String == "00097", "\(handed.body)")
                    #expect(try await referrals.call(.get, "/v1/cases/\(caseID)", token: commune).status == 404)

                    // A relapse ends the after-care, and the case with it.
                    let newCommune = tokens["commune00097"]
                    _ = try await Self.eventually(treatment, "/v1/aftercare/\(aftercare)", token: newCommune) { $0.status == 200 }
                    let relapse = try await treatment.call(
                        .post, "/v1/people/\(person)/tests", token: newCommune,
                        json: #"{"testedOn":"2025-10-01","method":"urine","substances":["heroin"],"positive":true}"#)
                    #expect(relapse.json["relapseId"] is String, "\(relapse.body)")
                    let closed = try await Self.eventually(referrals, "/v1/cases/\(caseID)", token: newCommune) {
                        $0.json["status"] as? String == "closed"
                    }
                    #expect(
                        closed.json["closeReason"] as? String == "aftercare_ended" && closed.json["closedOn"] as? String == "2025-10-01",
                        "\(closed.body)")
                    let refused = try await referrals.call(
                        .post, "/v1/cases/\(caseID)/counselling", token: newCommune, json: #"{"givenOn":"2025-10-02","givenBy":"x","topic":"y"}"#)
                    #expect(refused.status == 409 && refused.json["rule"] is String, "\(refused.body)")
                }
            }
        }
    }
}
