import Foundation
import HTTPTypes
import Postgres
import Referrals
import Registry
import ServiceKit
import TestSupport
import Testing

/// The referrals service through its HTTP API, next to a running registry, against the real database.
@Suite("Referrals: partners, referrals, answers and outcomes", .timeLimit(.minutes(3)))
struct ReferralTests {
    /// partner1's organisation (see `StaffSeed`).
    static let partnerID = "00000000-0000-4000-8000-00000000a001"

    /// A registry with a person of commune 00004 and a referrals service with partner1's
    /// organisation (registered by the admin through the API, then given partner1's id).
    static func withReferrals(
        _ label: String,
        _ body: @Sendable (ServiceClient, ServiceClient, [String: String], TestDatabase, String) async throws -> Void
    ) async throws {
        try await PeopleTests.withRegistry(label) { registry, tokens, database in
            let person = try PeopleTests.id(try await registry.call(.post, "/v1/people", token: tokens["commune00004"], json: PeopleTests.anh))
            try await ServiceHarness.withService(ReferralsService.descriptor, database: database) { referrals in
                let made = try await referrals.call(
                    .post, "/v1/partners", token: tokens["admin1"],
                    json: #"{"name":"Trung tâm Dịch vụ việc làm Hà Nội","kind":"employment_centre","provinceCode":"01","phone":"024 3823 1234"}"#)
                #expect(made.status == 201, "\(made.body)")
                let admin = try await database.connect()
                try await admin.query(
                    "UPDATE referrals.partners SET id = \(UUID(uuidString: Self.partnerID)!) WHERE id = \(UUID(uuidString: made.json["id"] as! String)!)"
                )
                await admin.close()
                var tokens = tokens
                tokens["partner1"] = try await registry.signIn("partner1")
                try await body(registry, referrals, tokens, database, person)
            }
        }
    }

    static func refer(_ referrals: ServiceClient, _ person: String, token: String?, kind: String = "job") async throws -> ServiceClient.Reply {
        try await referrals.call(
            .post, "/v1/people/\(person)/referrals", token: token,
            json: #"{"partnerId":"\#(partnerID)","kind":"\#(kind)","request":"Việc làm phổ thông, ca ngày"}"#)
    }

    @Test func partnersAreValidatedAndListedWithoutDiacritics() async throws {
        try await Self.withReferrals("referrals_partners") { _, referrals, tokens, _, _ in
            let bad = try await referrals.call(
                .post, "/v1/partners", token: tokens["admin1"], json: #"{"name":"","kind":"bank","provinceCode":"99","email":"x@","extra":1}"#)
            #expect(bad.status == 422 || bad.status == 400)
            #expect(bad.contentType == "application/problem+json")
            let pointers = Set(((bad.json["errors"] as? [[String: Any]]) ?? []).compactMap { $0["pointer"] as? String })
            #expect(pointers.isSuperset(of: ["/name", "/kind", "/email", "/extra"]), "\(bad.body)")
            let unknownProvince = try await referrals.call(
                .post, "/v1/partners", token: tokens["admin1"], json: #"{"name":"Ngân hàng Chính sách xã hội","kind":"lender","provinceCode":"99"}"#)
            #expect(unknownProvince.status == 422 || unknownProvince.status == 400, "\(unknownProvince.body)")
            #expect(
                try await referrals.call(.post, "/v1/partners", token: tokens["commune00004"], json: #"{"name":"X","kind":"lender"}"#).status == 403)
            let lender = try await referrals.call(
                .post, "/v1/partners", token: tokens["admin1"], json: #"{"name":"Ngân hàng Chính sách xã hội","kind":"lender"}"#)
            #expect(lender.status == 201)
            let found = try await referrals.call(.get, "/v1/partners?q=ngan%20hang&provinceCode=01", token: tokens["commune00004"])
            #expect((found.json["items"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["Ngân hàng Chính sách xã hội"])
            let lenders = try await referrals.call(.get, "/v1/partners?kind=lender", token: tokens["partner1"])
            #expect((lenders.json["items"] as? [Any])?.count == 1)
        }
    }

    @Test func thePartnerSeesOnlyItsReferralsWithNameContactAndRequest() async throws {
        try await Self.withReferrals("referrals_partner_view") { registry, referrals, tokens, database, person in
            // Validation: the partner must exist; the kind must be known.
            let unknown = try await referrals.call(
                .post, "/v1/people/\(person)/referrals", token: tokens["commune00004"],
                json: #"{"partnerId":"\#(UUID())","kind":"housing","request":""}"#)
            #expect(unknown.status == 422 || unknown.status == 400)
            let pointers = Set(((unknown.json["errors"] as? [[String: Any]]) ?? []).compactMap { $0["pointer"] as? String })
            #expect(pointers == ["/kind", "/request"], "\(unknown.body)")
            let noPartner = try await referrals.call(
                .post, "/v1/people/\(person)/referrals", token: tokens["commune00004"],
                json: #"{"partnerId":"\#(UUID())","kind":"job","request":"việc làm"}"#)
            #expect(noPartner.status == 422, "\(noPartner.body)")
            // Out of the officer's jurisdiction: as if the person did not exist.
            #expect(try await Self.refer(referrals, person, token: tokens["commune00097"]).status == 404)

            let made = try await Self.refer(referrals, person, token: tokens["commune00004"])
            #expect(made.status == 201, "\(made.body)")
            let id = try #require(made.json["id"] as? String)
            #expect((made.json["person"] as? [String: Any])?["fullName"] as? String == "Nguyễn Thị Ánh Tuyết")

            let seen = try await referrals.call(.get, "/v1/referrals/\(id)", token: tokens["partner1"])
            #expect(seen.status == 200)
            #expect(Set(seen.json.keys) == ["id", "person", "kind", "request", "status", "details", "createdAt", "updatedAt"], "\(seen.body)")
            // The steps' details, never the reintegration case (it derives from treatment).
            #expect((seen.json["details"] as? [String: Any])?["caseId"] == nil, "\(seen.body)")
            #expect(seen.json["person"] as? [String: String] == ["fullName": "Nguyễn Thị Ánh Tuyết", "phone": "0912345678"])
            let listed = try await referrals.call(.get, "/v1/referrals", token: tokens["partner1"])
            #expect((listed.json["items"] as? [[String: Any]])?.count == 1)
            #expect(!listed.body.contains(person) && !listed.body.contains("00004") && !listed.body.contains("methamphetamine"))

            // Another partner organisation's account sees nothing of it.
            let other = UUID()
            let admin = try await database.connect()
            try await admin.query(
                "INSERT INTO referrals.partners (id, name, search_name, kind) VALUES (\(other), 'Trường nghề', 'truong nghe', 'vocational_school')")
            let account = try await registry.call(
                .post, "/v1/accounts", token: tokens["admin1"],
                json:
                    #"{"username":"school1","displayName":"Trường nghề","role":"referral_partner","jurisdiction":{"kind":"partner","reference":"\#(other)"},"password":"Xk9-tq!Lm2 vr7#Pz"}"#
            )
            #expect(account.status == 201, "\(account.body)")
            let school = try await registry.signIn("school1", password: "Xk9-tq!Lm2 vr7#Pz")
            #expect(try await referrals.call(.get, "/v1/referrals/\(id)", token: school).status == 404)
            #expect(((try await referrals.call(.get, "/v1/referrals", token: school)).json["items"] as? [Any])?.count == 0)
            #expect(try await referrals.call(.post, "/v1/referrals/\(id)/response", token: school, json: #"{"decision":"accepted"}"#).status == 404)
            // Partner accounts must name a registered organisation.
            let nowhere = try await registry.call(
                .post, "/v1/accounts", token: tokens["admin1"],
                json:
                    #"{"username":"ghost1","displayName":"Ghost","role":"referral_partner","jurisdiction":{"kind":"partner","reference":"\#(UUID())"},"password":"Xk9-tq!Lm2 vr7#Pz"}"#
            )
            #expect(nowhere.status == 422 || nowhere.status == 400, "\(nowhere.body)")

            // Every read by the partner is on the audit trail, with the person's id.
            let reads = try await admin.query(
                """
                SELECT count(*) FROM audit.entries
                WHERE resource = 'referral' AND actor_label = 'partner1' AND person_id = \(UUID(uuidString: person)!)
                """)[0].decode(Int.self, at: 0)
            #expect(reads == 2)
            await admin.close()
        }
    }

    @Test func answersAndOutcomesFollowTheLifecycleAndArePublishedWithoutNames() async throws {
        try await Self.withReferrals("referrals_lifecycle") { _, referrals, tokens, database, person in
            let id = try #require(try await Self.refer(referrals, person, token: tokens["commune00004"]).json["id"] as? String)
            // Only the partner (or an admin) answers; officers withdraw.
            #expect(
                try await referrals.call(.post, "/v1/referrals/\(id)/response", token: tokens["commune00004"], json: #"{"decision":"accepted"}"#)
                    .status == 403)
            let early = try await referrals.call(
                .post, "/v1/referrals/\(id)/outcome", token: tokens["partner1"], json: #"{"outcome":"employed","on":"\#(CalendarDate.today())"}"#)
            #expect(early.status == 409, "\(early.body)")
            #expect(early.json["rule"] as? String == "An outcome is reported for a referral the partner accepted, once.", "\(early.body)")
            #expect((early.json["type"] as? String)?.hasSuffix("/referral-status") == true)
            let bad = try await referrals.call(.post, "/v1/referrals/\(id)/response", token: tokens["partner1"], json: #"{"decision":"maybe"}"#)
            #expect(bad.status == 422 || bad.status == 400)
            let accepted = try await referrals.call(
                .post, "/v1/referrals/\(id)/response", token: tokens["partner1"], json: #"{"decision":"accepted","note":"Phỏng vấn thứ Hai"}"#)
            #expect(accepted.status == 200)
            #expect(accepted.json["status"] as? String == "accepted")
            #expect(
                try await referrals.call(
                    .post, "/v1/referrals/\(id)/response", token: tokens["partner1"], json: #"{"decision":"declined","note":"Đã đủ người"}"#
                ).status
                    == 409)

            let tomorrow = CalendarDate.today().adding(days: 1)
            let wrong = try await referrals.call(
                .post, "/v1/referrals/\(id)/outcome", token: tokens["partner1"], json: #"{"outcome":"hired","on":"\#(tomorrow)","amountVnd":5000000}"#
            )
            let wrongPointers = Set(((wrong.json["errors"] as? [[String: Any]]) ?? []).compactMap { $0["pointer"] as? String })
            #expect(wrongPointers == ["/outcome", "/on", "/amountVnd"], "\(wrong.body)")
            let done = try await referrals.call(
                .post, "/v1/referrals/\(id)/outcome", token: tokens["partner1"], json: #"{"outcome":"employed","on":"\#(CalendarDate.today())"}"#)
            #expect(done.status == 200, "\(done.body)")
            #expect(done.json["outcome"] as? String == "employed")
            #expect(try await referrals.call(.post, "/v1/referrals/\(id)/withdraw", token: tokens["commune00004"]).status == 409)

            // The officer's view has everything, the person's list too.
            let officer = try await referrals.call(.get, "/v1/people/\(person)/referrals", token: tokens["commune00004"])
            let items = try #require(officer.json["items"] as? [[String: Any]])
            #expect(items.count == 1 && items[0]["note"] as? String == "Phỏng vấn thứ Hai" && items[0]["status"] as? String == "completed")

            // Published at each step, with codes and dates only.
            let events = try await PeopleTests.events(database, type: "referrals.referral.changed")
            #expect(events.count == 3)
            #expect(events.allSatisfy { !$0.contains("Nguyễn") && !$0.contains("0912345678") && !$0.contains("Phỏng vấn") })
            #expect(events.last?.contains(#""outcome": "employed""#) == true)

            // A second referral, withdrawn by the commune before any answer.
            let second = try #require(try await Self.refer(referrals, person, token: tokens["commune00004"], kind: "loan").json["id"] as? String)
            // The note is optional, but a body sent must say it is JSON.
            let untyped = try await referrals.call(
                .post, "/v1/referrals/\(second)/withdraw", token: tokens["commune00004"], untyped: #"{"note":"Đã có việc"}"#)
            #expect(untyped.status == 415, "\(untyped.body)")
            let withdrawn = try await referrals.call(
                .post, "/v1/referrals/\(second)/withdraw", token: tokens["commune00004"], json: #"{"note":"Đã có việc"}"#)
            #expect(withdrawn.json["status"] as? String == "withdrawn")
            let open = try await referrals.call(.get, "/v1/referrals?status=withdrawn", token: tokens["province01"])
            #expect((open.json["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [second])
        }
    }

    @Test func afterAMoveTheOldCommuneKeepsWhatItWroteAndTheNewOneSeesAll() async throws {
        try await Self.withReferrals("referrals_move") { registry, referrals, tokens, database, person in
            let first = try #require(try await Self.refer(referrals, person, token: tokens["commune00004"]).json["id"] as? String)
            let admin = try await database.connect()
            try await admin.query("UPDATE registry.people SET residence_since = '2024-01-01' WHERE id = \(UUID(uuidString: person)!)")
            try await admin.query("UPDATE registry.residences SET from_date = '2024-01-01' WHERE person_id = \(UUID(uuidString: person)!)")
            await admin.close()
            let moved = try await registry.call(
                .post, "/v1/people/\(person)/moves", token: tokens["commune00004"], json: #"{"communeCode":"00097","date":"2026-01-15"}"#)
            #expect(moved.status == 204)
            // The old commune: its own referral still, but no new ones and not the person's list.
            #expect(try await referrals.call(.get, "/v1/referrals/\(first)", token: tokens["commune00004"]).status == 200)
            #expect(try await Self.refer(referrals, person, token: tokens["commune00004"]).status == 404)
            #expect(try await referrals.call(.get, "/v1/people/\(person)/referrals", token: tokens["commune00004"]).status == 404)
            // The new commune sees the person's referrals and refers them itself.
            #expect(try await referrals.call(.get, "/v1/referrals/\(first)", token: tokens["commune00097"]).status == 200)
            let second = try await Self.refer(referrals, person, token: tokens["commune00097"], kind: "vocational_training")
            #expect(second.status == 201)
            #expect(second.json["communeCode"] as? String == "00097")
            let oldList = try await referrals.call(.get, "/v1/referrals", token: tokens["commune00004"])
            #expect((oldList.json["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [first])
            let newList = try await referrals.call(.get, "/v1/referrals?limit=1", token: tokens["commune00097"])
            #expect((newList.json["items"] as? [Any])?.count == 1)
            let next = try #require(newList.json["next"] as? String)
            let page2 = try await referrals.call(.get, "/v1/referrals?limit=1&after=\(next)", token: tokens["commune00097"])
            #expect((page2.json["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [first])
            #expect(page2.json["next"] == nil)
        }
    }
}
