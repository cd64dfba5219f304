import Foundation
import HTTPTypes
import Postgres
import Registry
import ServiceKit
import TestSupport
import Testing
import Treatment

/// Treatment episodes through the treatment API against the real database: the full path from a
/// positive determination through compulsory treatment and after-care to a relapse, the registry's
/// status on each date; every forbidden transition; terms at their limits under both regimes.
@Suite("Treatment: episodes, after-care and relapse", .timeLimit(.minutes(3)))
struct EpisodeTests {
    /// The facility of the seeded `facility1` account.
    static let facility = "00000000-0000-4000-8000-00000000f001"
    static let otherFacility = "00000000-0000-4000-8000-00000000f002"
    static let clinic = "00000000-0000-4000-8000-00000000f003"
    static let privateFacility = "00000000-0000-4000-8000-00000000f004"

    /// Adds facilities to the registry: `facility` and `otherFacility` for compulsory treatment,
    /// `clinic` a methadone clinic, `privateFacility` a private one, all in province 01.
    static func addFacilities(_ database: TestDatabase) async throws {
        let admin = try await database.connect()
        for (id, kind, ownership) in [
            (facility, "compulsory_treatment", "public"), (otherFacility, "compulsory_treatment", "public"), (clinic, "methadone_clinic", "public"),
            (privateFacility, "compulsory_treatment", "private"),
        ] {
            try await admin.query(
                """
                INSERT INTO registry.facilities (id, name, search_name, kind, ownership, province_code)
                VALUES (\(UUID(uuidString: id)!), \("Cơ sở " + kind), \("co so " + kind), \(kind), \(ownership), '01')
                """)
        }
        await admin.close()
    }

    static func compulsory(start: String, end: String) -> String {
        #"{"form":"compulsory","plannedStart":"\#(start)","plannedEnd":"\#(end)","facilityId":"\#(facility)","court":"Tòa án nhân dân quận Ba Đình","decisionNumber":"12/2024/QĐ-TA","decisionDate":"\#(start)"}"#
    }

    static func community(start: String, end: String, previous: Int = 0) -> String {
        #"{"form":"voluntary_community","plannedStart":"\#(start)","plannedEnd":"\#(end)","supervisor":"Công an xã","previousTreatments":\#(previous)}"#
    }

    /// Waits until the registry says `status` for the person on `day` (its consumer applies the
    /// treatment service's events in order), and returns what it says then.
    static func status(
        _ registry: ServiceClient, _ person: String, on day: String, token: String?, becomes expected: String?
    ) async throws
        -> String?
    {
        let deadline = ContinuousClock.now + .seconds(20)
        var seen: String?
        repeat {
            seen = try await registry.call(.get, "/v1/people/\(person)/status?on=\(day)", token: token).json["status"] as? String
            if seen == expected { return seen }
            try await Task.sleep(for: .milliseconds(100))
        } while ContinuousClock.now < deadline
        return seen
    }

    @Test func theFullPathFromDeterminationToRelapse() async throws {
        try await PeopleTests.withRegistry("episodes_path") { registry, tokens, database in
            try await Self.addFacilities(database)
            let commune = tokens["commune00004"]
            let staff = try await registry.signIn("facility1")
            let person = try PeopleTests.id(try await registry.call(.post, "/v1/people", token: commune, json: PeopleTests.anh))
            try await ServiceHarness.withService(TreatmentService.descriptor, database: database) { treatment in
                let determined = try await treatment.call(
                    .post, "/v1/people/\(person)/determinations", token: commune,
                    json: DeterminationTests.determination("2024-01-05", ["craving", "withdrawal", "tolerance"]))
                #expect(determined.status == 201 && determined.json["positive"] as? Bool == true, "\(determined.body)")

                // The facility does not see the person before an episode there exists.
                #expect(try await treatment.call(.get, "/v1/people/\(person)/episodes", token: staff).status == 404)
                let opened = try await treatment.call(
                    .post, "/v1/people/\(person)/episodes", token: commune, json: Self.compulsory(start: "2024-02-01", end: "2025-01-31"))
                #expect(opened.status == 201, "\(opened.body)")
                #expect(opened.json["regime"] as? String == "law-73-2021" && opened.json["status"] as? String == "planned", "\(opened.body)")
                #expect(opened.json["minor"] as? Bool == false && opened.json["occurrence"] as? String == "first", "\(opened.body)")
                let episode = try #require(opened.json["id"] as? String)
                let path = "/v1/episodes/\(episode)"

                // The facility admits; the commune may not (it runs treatment at family or community).
                #expect(try await treatment.call(.post, "\(path)/start", token: commune, json: #"{"on":"2024-02-01"}"#).status == 403)
                let started = try await treatment.call(.post, "\(path)/start", token: staff, json: #"{"on":"2024-02-01"}"#)
                #expect(started.status == 200 && started.json["status"] as? String == "active", "\(started.body)")
                for (stage, day) in [
                    ("intake", "2024-02-03"), ("detoxification", "2024-03-01"), ("counselling", "2024-06-01"), ("labour_therapy", "2024-10-01"),
                    ("reintegration", "2025-01-15"),
                ] {
                    let done = try await treatment.call(
                        .post, "\(path)/stages", token: staff, json: #"{"stage":"\#(stage)","completedOn":"\#(day)"}"#)
                    #expect(done.status == 200, "\(stage): \(done.body)")
                }
                let completed = try await treatment.call(.post, "\(path)/end", token: staff, json: #"{"reason":"completed","on":"2025-01-31"}"#)
                #expect(completed.status == 200 && completed.json["status"] as? String == "completed", "\(completed.body)")
                #expect((completed.json["stages"] as? [[String: Any]])?.count == 5)

                // After-care opened at the residence commune for two years (an adult's compulsory treatment).
                let listed = try await treatment.call(.get, "/v1/people/\(person)/aftercare", token: commune)
                let aftercare = try #require((listed.json["items"] as? [[String: Any]])?.first, "\(listed.body)")
                #expect(aftercare["startsOn"] as? String == "2025-02-01" && aftercare["endsOn"] as? String == "2027-01-31", "\(aftercare)")
                #expect(aftercare["communeCode"] as? String == "00004" && aftercare["status"] as? String == "active")
                let aftercareID = try #require(aftercare["id"] as? String)
                let supervised = try await treatment.call(
                    .put, "/v1/aftercare/\(aftercareID)/supervisor", token: commune,
                    json: #"{"kind":"volunteer_team","name":"Đội công tác xã hội tình nguyện"}"#)
                #expect(supervised.status == 200, "\(supervised.body)")
                for (kind, day) in [("visit", "2025-02-10"), ("call", "2025-03-12"), ("club_meeting", "2025-04-20")] {
                    let logged = try await treatment.call(
                        .post, "/v1/aftercare/\(aftercareID)/contacts", token: commune, json: #"{"kind":"\#(kind)","on":"\#(day)","note":"Ổn định"}"#)
                    #expect(logged.status == 200, "\(logged.body)")
                }
                let needs = try await treatment.call(
                    .post, "/v1/aftercare/\(aftercareID)/support-needs", token: commune,
                    json: #"{"needs":["vocational_training","job"],"on":"2025-02-10"}"#)
                #expect(needs.status == 200, "\(needs.body)")
                // A negative test changes nothing; a positive one during after-care is a relapse.
                let negative = try await treatment.call(
                    .post, "/v1/people/\(person)/tests", token: commune,
                    json: #"{"testedOn":"2025-05-02","method":"urine","substances":["methamphetamine"],"positive":false}"#)
                #expect(negative.status == 201 && negative.json["during"] as? String == "aftercare" && negative.json["relapseId"] == nil)
                let positive = try await treatment.call(
                    .post, "/v1/people/\(person)/tests", token: commune,
                    json: #"{"testedOn":"2025-06-10","method":"urine","substances":["methamphetamine","heroin"],"positive":true}"#)
                #expect(positive.status == 201 && positive.json["relapseId"] is String, "\(positive.body)")
                let after = try await treatment.call(.get, "/v1/aftercare/\(aftercareID)", token: commune)
                #expect(after.json["status"] as? String == "ended_by_relapse" && after.json["endedOn"] as? String == "2025-06-10", "\(after.body)")
                #expect((after.json["relapses"] as? [[String: Any]])?.first?["rule"] as? String != nil)
                #expect((after.json["contacts"] as? [[String: Any]])?.count == 3)
                // Nothing more happens to ended after-care.
                let late = try await treatment.call(
                    .post, "/v1/aftercare/\(aftercareID)/contacts", token: commune, json: #"{"kind":"visit","on":"2025-06-12"}"#)
                #expect(late.status == 409, "\(late.body)")

                // The registry's status on each date.
                // The registry applies the events in order; the relapse is the last. "addicted" on
                // 10 June also holds after the first event alone (the determination's, open-ended),
                // so wait for the after-care before it, then for the relapse.
                #expect(try await Self.status(registry, person, on: "2025-06-09", token: commune, becomes: "in_aftercare") == "in_aftercare")
                #expect(try await Self.status(registry, person, on: "2025-06-10", token: commune, becomes: "addicted") == "addicted")
                for (day, expected) in [
                    ("2024-01-04", nil), ("2024-01-05", "addicted"), ("2024-02-01", "in_treatment"), ("2025-01-31", "in_treatment"),
                    ("2025-02-01", "in_aftercare"), ("2025-06-09", "in_aftercare"), ("2025-06-10", "addicted"),
                ] as [(String, String?)] {
                    let said = try await registry.call(.get, "/v1/people/\(person)/status?on=\(day)", token: commune).json["status"] as? String
                    #expect(said == expected, "\(day)")
                }
                // Published without names or national ids, the relapse among them.
                for type in [
                    "treatment.episode.started", "treatment.episode.stage_completed", "treatment.episode.ended", "treatment.aftercare.started",
                    "treatment.aftercare.contact_logged", "treatment.support_needs.recorded", "treatment.test.recorded",
                    "treatment.relapse.recorded", "treatment.aftercare.ended",
                ] {
                    let payloads = try await PeopleTests.events(database, type: type)
                    #expect(!payloads.isEmpty, "\(type)")
                    #expect(payloads.allSatisfy { !$0.contains("Tuyết") && !$0.contains("001195012345") }, "\(type)")
                }
                #expect(try await PeopleTests.events(database, type: "treatment.episode.stage_completed").count == 5)
                // The facility keeps reading the episode it ran; other communes see nothing.
                #expect(try await treatment.call(.get, path, token: staff).status == 200)
                #expect(try await treatment.call(.get, path, token: tokens["commune00097"]).status == 404)
                #expect(try await treatment.call(.get, "/v1/aftercare/\(aftercareID)", token: tokens["commune00097"]).status == 404)
            }
        }
    }

    @Test func everyForbiddenTransitionIsRefusedWithItsRule() async throws {
        try await PeopleTests.withRegistry("episodes_rules") { registry, tokens, database in
            try await Self.addFacilities(database)
            let commune = tokens["commune00004"]
            let staff = try await registry.signIn("facility1")
            let person = try PeopleTests.id(try await registry.call(.post, "/v1/people", token: commune, json: PeopleTests.anh))
            try await ServiceHarness.withService(TreatmentService.descriptor, database: database) { treatment in
                // Compulsory treatment only at a public facility.
                let atPrivate = try await treatment.call(
                    .post, "/v1/people/\(person)/episodes", token: commune,
                    json: Self.compulsory(start: "2025-01-10", end: "2026-01-09").replacingOccurrences(of: Self.facility, with: Self.privateFacility))
                #expect(atPrivate.status == 409 && (atPrivate.json["rule"] as? String)?.contains("public") == true, "\(atPrivate.body)")
                let opened = try await treatment.call(
                    .post, "/v1/people/\(person)/episodes", token: commune, json: Self.compulsory(start: "2025-01-10", end: "2026-01-09"))
                let path = "/v1/episodes/\(try #require(opened.json["id"] as? String, "\(opened.body)"))"
                func refused(_ reply: ServiceClient.Reply, _ type: String, _ label: String) {
                    #expect(
                        reply.status == 409 && (reply.json["type"] as? String)?.hasSuffix(type) == true, "\(label): \(reply.status) \(reply.body)")
                    #expect(reply.json["rule"] is String, "\(label): \(reply.body)")
                }
                // A second episode while one is open; substitution therapy beside compulsory treatment.
                refused(
                    try await treatment.call(
                        .post, "/v1/people/\(person)/episodes", token: commune, json: Self.community(start: "2025-02-01", end: "2025-08-31")),
                    "episode-open", "second episode")
                refused(
                    try await treatment.call(
                        .post, "/v1/people/\(person)/episodes", token: commune,
                        json: #"{"form":"methadone","plannedStart":"2025-02-01","facilityId":"\#(Self.clinic)"}"#), "episode-open", "methadone")
                // Before it starts: no stage, no completion, no reduction.
                refused(
                    try await treatment.call(.post, "\(path)/stages", token: staff, json: #"{"stage":"intake","completedOn":"2025-01-12"}"#),
                    "episode-status", "stage while planned")
                refused(
                    try await treatment.call(.post, "\(path)/end", token: staff, json: #"{"reason":"completed","on":"2025-01-12"}"#),
                    "episode-status", "complete while planned")
                #expect(try await treatment.call(.post, "\(path)/start", token: staff, json: #"{"on":"2025-01-10"}"#).status == 200)
                refused(
                    try await treatment.call(.post, "\(path)/start", token: staff, json: #"{"on":"2025-01-11"}"#), "episode-status", "start twice")
                // Stages in order, once each.
                refused(
                    try await treatment.call(.post, "\(path)/stages", token: staff, json: #"{"stage":"counselling","completedOn":"2025-02-01"}"#),
                    "episode-stage", "stage out of order")
                #expect(
                    try await treatment.call(.post, "\(path)/stages", token: staff, json: #"{"stage":"intake","completedOn":"2025-01-12"}"#).status
                        == 200)
                refused(
                    try await treatment.call(.post, "\(path)/stages", token: staff, json: #"{"stage":"intake","completedOn":"2025-01-13"}"#),
                    "episode-stage", "stage twice")
                // Completion needs all five stages for compulsory treatment, and the term served.
                let early = try await treatment.call(.post, "\(path)/end", token: staff, json: #"{"reason":"completed","on":"2026-01-09"}"#)
                refused(early, "episode-completion", "completion with one stage")
                #expect((early.json["rule"] as? String)?.contains("all five stages") == true, "\(early.body)")
                // A reduction before half the term is served, out of bounds, then twice.
                let tooSoon = try await treatment.call(
                    .post, "\(path)/term-reduction", token: staff, json: #"{"months":3,"decidedOn":"2025-06-01","decisionNumber":"5/QĐ"}"#)
                refused(tooSoon, "term-reduction", "reduction before half")
                #expect((tooSoon.json["rule"] as? String)?.contains("law-73-2021") == true, "\(tooSoon.body)")
                let tooMuch = try await treatment.call(
                    .post, "\(path)/term-reduction", token: staff, json: #"{"months":7,"decidedOn":"2025-07-20","decisionNumber":"5/QĐ"}"#)
                #expect(tooMuch.status == 422 && tooMuch.fieldProblems["/months"]?.contains("3 to 6") == true, "\(tooMuch.body)")
                // Six months off would end the term before the decision.
                refused(
                    try await treatment.call(
                        .post, "\(path)/term-reduction", token: staff, json: #"{"months":6,"decidedOn":"2025-07-20","decisionNumber":"5/QĐ"}"#),
                    "term-reduction", "reduction past the decision")
                let reduced = try await treatment.call(
                    .post, "\(path)/term-reduction", token: staff, json: #"{"months":3,"decidedOn":"2025-07-20","decisionNumber":"5/QĐ"}"#)
                #expect(reduced.status == 200 && reduced.json["termEnd"] as? String == "2025-10-09", "\(reduced.body)")
                refused(
                    try await treatment.call(
                        .post, "\(path)/term-reduction", token: staff, json: #"{"months":3,"decidedOn":"2025-08-01","decisionNumber":"6/QĐ"}"#),
                    "term-reduction", "second reduction")
                // A transfer keeps one episode; the old facility reads what it recorded, and changes nothing more.
                let moved = try await treatment.call(
                    .post, "\(path)/transfer", token: staff, json: #"{"facilityId":"\#(Self.otherFacility)","on":"2025-08-01","reason":"Quá tải"}"#)
                #expect(moved.status == 200 && (moved.json["placements"] as? [[String: Any]])?.count == 2, "\(moved.body)")
                #expect(try await treatment.call(.get, path, token: staff).status == 200)
                #expect(
                    try await treatment.call(.post, "\(path)/stages", token: staff, json: #"{"stage":"detoxification","completedOn":"2025-08-02"}"#)
                        .status == 403)
                // Nor does it see the person's other records any more.
                #expect(try await treatment.call(.get, "/v1/people/\(person)/tests", token: staff).status == 404)
                // Discontinued, then nothing more.
                let admin = tokens["admin1"]
                let ended = try await treatment.call(.post, "\(path)/end", token: admin, json: #"{"reason":"dropped_out","on":"2025-08-20"}"#)
                #expect(ended.status == 200 && ended.json["status"] as? String == "discontinued", "\(ended.body)")
                refused(
                    try await treatment.call(.post, "\(path)/end", token: admin, json: #"{"reason":"completed","on":"2025-10-09"}"#),
                    "episode-status", "complete after discontinued")
                refused(
                    try await treatment.call(.post, "\(path)/stages", token: admin, json: #"{"stage":"detoxification","completedOn":"2025-08-21"}"#),
                    "episode-status", "stage after discontinued")

                // Treatment at family or community: no transfer; substitution therapy may run beside it.
                let home = try await treatment.call(
                    .post, "/v1/people/\(person)/episodes", token: commune, json: Self.community(start: "2025-09-01", end: "2026-02-28"))
                #expect(home.status == 201 && home.json["occurrence"] as? String == "repeat", "\(home.body)")
                let homePath = "/v1/episodes/\(try #require(home.json["id"] as? String))"
                #expect(try await treatment.call(.post, "\(homePath)/start", token: commune, json: #"{"on":"2025-09-01"}"#).status == 200)
                refused(
                    try await treatment.call(
                        .post, "\(homePath)/transfer", token: commune, json: #"{"facilityId":"\#(Self.facility)","on":"2025-10-01","reason":"x"}"#),
                    "episode-transfer", "transfer of community treatment")
                let methadone = try await treatment.call(
                    .post, "/v1/people/\(person)/episodes", token: commune,
                    json: #"{"form":"methadone","plannedStart":"2025-09-15","facilityId":"\#(Self.clinic)"}"#)
                #expect(methadone.status == 201, "\(methadone.body)")
                // Voluntary completes after the first three stages and the term.
                for (stage, day) in [("intake", "2025-09-02"), ("detoxification", "2025-09-20"), ("counselling", "2025-11-01")] {
                    #expect(
                        try await treatment.call(
                            .post, "\(homePath)/stages", token: commune, json: #"{"stage":"\#(stage)","completedOn":"\#(day)"}"#
                        ).status == 200)
                }
                refused(
                    try await treatment.call(.post, "\(homePath)/end", token: commune, json: #"{"reason":"completed","on":"2026-01-15"}"#),
                    "episode-completion", "completion before the term")
                let done = try await treatment.call(.post, "\(homePath)/end", token: commune, json: #"{"reason":"completed","on":"2026-02-28"}"#)
                #expect(done.status == 200, "\(done.body)")
                // One year of after-care after voluntary treatment.
                let care = try await treatment.call(.get, "/v1/people/\(person)/aftercare", token: commune)
                let first = (care.json["items"] as? [[String: Any]])?.first
                #expect(first?["startsOn"] as? String == "2026-03-01" && first?["endsOn"] as? String == "2027-02-28", "\(care.body)")
                // Substitution therapy completing during that after-care extends it rather than opening a second one.
                let methadonePath = "/v1/episodes/\(try #require(methadone.json["id"] as? String))"
                let admin1 = tokens["admin1"]
                #expect(try await treatment.call(.post, "\(methadonePath)/start", token: admin1, json: #"{"on":"2025-09-15"}"#).status == 200)
                let substituted = try await treatment.call(
                    .post, "\(methadonePath)/end", token: admin1, json: #"{"reason":"completed","on":"2026-04-01"}"#)
                #expect(substituted.status == 200, "\(substituted.body)")
                let extended = (try await treatment.call(.get, "/v1/people/\(person)/aftercare", token: commune)).json["items"] as? [[String: Any]]
                #expect(extended?.count == 1 && extended?.first?["endsOn"] as? String == "2027-04-01", "\(extended ?? [])")
                // Completion of after-care only at its end.
                let aftercare = try #require(first?["id"] as? String)
                refused(
                    try await treatment.call(.post, "/v1/aftercare/\(aftercare)/completion", token: commune, json: #"{"on":"2026-11-30"}"#),
                    "aftercare-completion", "after-care completed early")
                // Province officers read, but do not write.
                #expect(try await treatment.call(.get, homePath, token: tokens["province01"]).status == 200)
                #expect(
                    try await treatment.call(.post, "\(homePath)/start", token: tokens["province01"], json: #"{"on":"2025-09-01"}"#).status == 403)
            }
        }
    }

    @Test func termsAreJudgedByTheRegimeInForceOnTheStartDate() async throws {
        try await PeopleTests.withRegistry("episodes_terms") { registry, tokens, database in
            let commune = tokens["commune00004"]
            let person = try PeopleTests.id(try await registry.call(.post, "/v1/people", token: commune, json: PeopleTests.anh))
            try await ServiceHarness.withService(TreatmentService.descriptor, database: database) { treatment in
                /// Opens a community episode; when accepted, cancels it so the next can open.
                func open(_ start: String, _ end: String, previous: Int = 0) async throws -> ServiceClient.Reply {
                    let reply = try await treatment.call(
                        .post, "/v1/people/\(person)/episodes", token: commune, json: Self.community(start: start, end: end, previous: previous))
                    if reply.status == 201, let id = reply.json["id"] as? String {
                        let cancelled = try await treatment.call(
                            .post, "/v1/episodes/\(id)/end", token: commune, json: #"{"reason":"other","on":"2026-01-01"}"#)
                        #expect(cancelled.status == 200, "\(cancelled.body)")
                    }
                    return reply
                }
                // 2026-06-30: Law 73/2021, 6 to 12 months.
                #expect(try await open("2026-06-30", "2026-12-29").status == 201)
                let short = try await open("2026-06-30", "2026-12-28")
                #expect(short.status == 422, "\(short.body)")
                let detail = short.fieldProblems["/plannedEnd"] ?? ""
                #expect(detail.contains("Decree 116/2021, Art. 20") && detail.contains("law-73-2021") && detail.contains("6 months"), "\(detail)")
                #expect(try await open("2026-06-30", "2027-06-29").status == 201)
                #expect(try await open("2026-06-30", "2027-06-30").status == 422)
                // 2026-07-01: Law 120/2025, 24 months for a first treatment, 36 from the second, marked reported.
                let old = try await open("2026-07-01", "2027-06-30")
                #expect(old.status == 422 && old.fieldProblems["/plannedEnd"]?.contains("law-120-2025") == true, "\(old.body)")
                #expect(old.fieldProblems["/plannedEnd"]?.contains("reported") == true, "\(old.body)")
                #expect(try await open("2026-07-01", "2028-06-30").status == 201)
                #expect(try await open("2026-07-01", "2028-06-30", previous: 1).status == 422)
                let repeated = try await open("2026-07-01", "2029-06-30", previous: 1)
                #expect(repeated.status == 201 && repeated.json["occurrence"] as? String == "repeat", "\(repeated.body)")
                // Bad input is named field by field.
                let bad = try await treatment.call(
                    .post, "/v1/people/\(person)/episodes", token: commune,
                    json: #"{"form":"compulsory","plannedStart":"2026-13-01","supervisor":"x","colour":"red"}"#)
                #expect(bad.status == 422, "\(bad.body)")
                #expect(Set(bad.fieldProblems.keys).isSuperset(of: ["/plannedStart", "/colour"]), "\(bad.body)")
                let missing = try await treatment.call(
                    .post, "/v1/people/\(person)/episodes", token: commune, json: #"{"form":"compulsory","plannedStart":"2026-01-05"}"#)
                #expect(
                    Set(missing.fieldProblems.keys).isSuperset(of: ["/facilityId", "/court", "/decisionNumber", "/decisionDate"]), "\(missing.body)")
                // Dates far out are refused, not computed.
                let far = try await treatment.call(
                    .post, "/v1/people/\(person)/episodes", token: commune, json: Self.community(start: "9999-12-01", end: "9999-12-31"))
                #expect(far.status == 422 && far.fieldProblems["/plannedStart"] != nil, "\(far.body)")
                // A late admission moves the term's end with it.
                let planned = try await treatment.call(
                    .post, "/v1/people/\(person)/episodes", token: commune, json: Self.community(start: "2026-01-05", end: "2026-07-04"))
                let late = try await treatment.call(
                    .post, "/v1/episodes/\(try #require(planned.json["id"] as? String, "\(planned.body)"))/start", token: commune,
                    json: #"{"on":"2026-01-20"}"#)
                #expect(late.json["plannedEnd"] as? String == "2026-07-19" && late.json["termEnd"] as? String == "2026-07-19", "\(late.body)")
            }
        }
    }
}
