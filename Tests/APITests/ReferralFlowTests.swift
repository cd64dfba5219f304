import Foundation
import HTTPTypes
import Postgres
import Referrals
import Registry
import ServiceKit
import TestSupport
import Testing

/// The full flow of referrals to offers through the referrals API against the real database:
/// each step and each forbidden one, wages and loans held to their offer's range and limit,
/// capacity, and follow-ups due 3, 6 and 12 months on, across month ends and a 29 February.
@Suite("Referrals: the full status flow, outcomes and follow-ups", .timeLimit(.minutes(2)))
struct ReferralFlowTests {
    static let job =
        #"{"kind":"job","title":"Công nhân may","provinceCode":"01","job":{"position":"Công nhân may","employer":"Công ty May 10","wageMinVnd":6000000,"wageMaxVnd":9000000,"openings":1}}"#
    static let loan =
        #"{"kind":"loan_programme","title":"Vay giải quyết việc làm","loanProgramme":{"purpose":"Tạo việc làm","limitVnd":50000000,"termMonths":60,"interestRate":"0.066"}}"#
    static let course =
        #"{"kind":"course","title":"Hàn điện","provinceCode":"01","course":{"trade":"Hàn điện","startsOn":"2027-03-01","endsOn":"2027-06-30","seats":10}}"#

    @Test func everyStepOfTheFlowIsCheckedDatedAndFollowedUp() async throws {
        try await ReferralTests.withReferrals("referral_flow") { _, referrals, tokens, database, person in
            let officer = tokens["commune00004"]
            let partner = tokens["partner1"]
            func offer(_ body: String) async throws -> String {
                let made = try await referrals.call(.post, "/v1/partners/\(ReferralTests.partnerID)/offers", token: partner, json: body)
                return try #require(made.json["id"] as? String, "\(made.body)")
            }
            let job = try await offer(Self.job)
            let loan = try await offer(Self.loan)
            let course = try await offer(Self.course)
            let admin = try await database.connect()
            /// The undated steps (making, answering) as if taken on 2023-11-01, like the referral.
            func backdateSteps(_ id: String) async throws {
                try await admin.query(
                    "UPDATE referrals.referral_steps SET step_on = '2023-11-01' WHERE referral_id = \(UUID(uuidString: id)!) AND step_on > '2023-11-01' AND action IN ('make', 'propose', 'respond')"
                )
            }
            /// A referral to `offer`, made (as if) on 2023-11-01 so its steps can be dated then.
            func refer(_ kind: String, _ offer: String, propose: Bool = false) async throws -> String {
                let made = try await referrals.call(
                    .post, "/v1/people/\(person)/referrals", token: officer,
                    json: #"{"partnerId":"\#(ReferralTests.partnerID)","kind":"\#(kind)","request":"x","offerId":"\#(offer)","propose":\#(propose)}"#)
                let id = try #require(made.json["id"] as? String, "\(made.body)")
                try await admin.query("UPDATE referrals.referrals SET created_at = '2023-11-01' WHERE id = \(UUID(uuidString: id)!)")
                try await backdateSteps(id)
                return id
            }
            func step(_ id: String, _ body: String, token: String? = nil) async throws -> ServiceClient.Reply {
                try await referrals.call(.post, "/v1/referrals/\(id)/steps", token: token ?? partner, json: body)
            }
            func accept(_ id: String) async throws {
                let reply = try await referrals.call(.post, "/v1/referrals/\(id)/response", token: partner, json: #"{"decision":"accepted"}"#)
                #expect(reply.status == 200, "\(reply.body)")
                try await backdateSteps(id)
            }
            func refused(_ reply: ServiceClient.Reply, _ label: String) {
                #expect(reply.status == 409 && reply.json["rule"] is String, "\(label): \(reply.status) \(reply.body)")
            }

            // A job: proposed, sent by the officer, accepted, hired within the range, employed.
            let hired = try await refer("job", job, propose: true)
            // A proposal is the referring side's until it is sent: the partner does not see it.
            #expect(
                try await referrals.call(.post, "/v1/referrals/\(hired)/response", token: partner, json: #"{"decision":"accepted"}"#).status == 404)
            #expect(try await referrals.call(.get, "/v1/referrals/\(hired)", token: partner).status == 404)
            #expect(try await step(hired, #"{"step":"send","on":"2023-11-02"}"#).status == 404)
            #expect(try await step(hired, #"{"step":"send","on":"2023-11-02"}"#, token: officer).json["status"] as? String == "sent")
            try await accept(hired)
            refused(try await step(hired, #"{"step":"employ","on":"2023-11-20"}"#), "employ before hire")
            refused(try await step(hired, #"{"step":"enrol","on":"2023-11-20"}"#), "enrol in a job")
            #expect(
                try await step(
                    hired, #"{"step":"hire","on":"2023-11-30","employer":"May 10","position":"Thợ may","wageVnd":7000000}"#, token: officer
                ).status == 403)
            let tooMuch = try await step(hired, #"{"step":"hire","on":"2023-11-30","employer":"May 10","position":"Thợ may","wageVnd":10000000}"#)
            #expect(tooMuch.status == 422 && tooMuch.fieldProblems["/wageVnd"]?.contains("6000000 to 9000000") == true, "\(tooMuch.body)")
            let missing = try await step(hired, #"{"step":"hire","on":"2023-11-30"}"#)
            #expect(Set(missing.fieldProblems.keys) == ["/employer", "/position", "/wageVnd"], "\(missing.body)")
            let placed = try await step(hired, #"{"step":"hire","on":"2023-11-30","employer":"May 10","position":"Thợ may","wageVnd":7000000}"#)
            #expect(placed.status == 200 && (placed.json["details"] as? [String: Any])?["wageVnd"] as? Int == 7_000_000, "\(placed.body)")
            let backwards = try await step(hired, #"{"step":"employ","on":"2023-11-29"}"#)
            #expect(backwards.status == 422 && backwards.fieldProblems["/on"] != nil, "\(backwards.body)")
            #expect(try await step(hired, #"{"step":"employ","on":"2024-02-29"}"#).json["status"] as? String == "employed")
            // The opening had one place: a second person cannot be hired on it.
            let second = try await refer("job", job)
            try await accept(second)
            let full = try await step(second, #"{"step":"hire","on":"2023-12-01","employer":"May 10","position":"Thợ may","wageVnd":7000000}"#)
            #expect(full.status == 409 && (full.json["type"] as? String)?.hasSuffix("offer-full") == true, "\(full.body)")
            #expect(try await step(second, #"{"step":"drop","on":"2023-12-01"}"#).fieldProblems["/reason"] != nil)
            let dropped = try await step(second, #"{"step":"drop","on":"2023-12-01","reason":"Không còn chỗ"}"#)
            #expect(dropped.json["status"] as? String == "dropped" && dropped.json["outcome"] as? String == "not_employed", "\(dropped.body)")

            // A loan: above the programme's limit refused, then approved and disbursed.
            let lent = try await refer("loan", loan)
            try await accept(lent)
            let above = try await step(lent, #"{"step":"approve","on":"2024-08-01","amountVnd":60000000,"termMonths":36}"#)
            #expect(above.status == 422 && above.fieldProblems["/amountVnd"]?.contains("50000000") == true, "\(above.body)")
            #expect(try await step(lent, #"{"step":"approve","on":"2024-08-01","amountVnd":40000000,"termMonths":36}"#).status == 200)
            let paid = try await step(lent, #"{"step":"disburse","on":"2024-08-31"}"#)
            #expect(paid.json["status"] as? String == "disbursed" && paid.json["amountVnd"] as? Int == 40_000_000, "\(paid.body)")
            refused(try await step(lent, #"{"step":"disburse","on":"2024-09-01"}"#), "disburse twice")

            // A course: completed only once enrolled, with a certificate.
            let trained = try await refer("vocational_training", course)
            try await accept(trained)
            refused(try await step(trained, #"{"step":"complete","on":"2024-01-10","certificate":"CC-1"}"#), "complete before enrolling")
            #expect(try await step(trained, #"{"step":"enrol","on":"2024-01-05"}"#).json["status"] as? String == "enrolled")
            #expect(try await step(trained, #"{"step":"complete","on":"2024-04-10"}"#).fieldProblems["/certificate"] != nil)
            let certified = try await step(trained, #"{"step":"complete","on":"2024-04-10","certificate":"Chứng chỉ sơ cấp hàn 0123"}"#)
            #expect(certified.json["status"] as? String == "completed" && certified.json["outcome"] as? String == "trained", "\(certified.body)")
            // A seat taken comes free when the person drops out.
            func seatsTaken() async throws -> Int? { try await referrals.call(.get, "/v1/offers/\(course)", token: officer).json["taken"] as? Int }
            let quitter = try await refer("vocational_training", course)
            try await accept(quitter)
            _ = try await step(quitter, #"{"step":"enrol","on":"2024-01-05"}"#)
            #expect(try await seatsTaken() == 2)
            _ = try await step(quitter, #"{"step":"drop","on":"2024-02-01","reason":"Chuyển nơi ở"}"#)
            #expect(try await seatsTaken() == 1)

            // Follow-ups: 3, 6 and 12 months after the placement (30 November 2023: 29 February 2024
            // in a leap year) and the disbursement (31 August 2024: 30 November, 28 February).
            let due = try await referrals.call(.get, "/v1/follow-ups?on=2025-09-01&within=0&limit=100", token: officer)
            let dueOn = ((due.json["items"] as? [[String: Any]]) ?? []).compactMap { $0["dueOn"] as? String }
            #expect(dueOn == ["2024-02-29", "2024-05-30", "2024-11-30", "2024-11-30", "2025-02-28", "2025-08-31"], "\(due.body)")
            let first = try #require((due.json["items"] as? [[String: Any]])?.first)
            #expect((first["daysLeft"] as? Int ?? 0) < 0, "overdue first: \(first)")
            let firstLoan = try #require((due.json["items"] as? [[String: Any]])?.first { $0["kind"] as? String == "loan" }?["id"] as? String)
            let noRepayment = try await referrals.call(.post, "/v1/follow-ups/\(firstLoan)", token: partner, json: #"{"on":"2024-11-30"}"#)
            #expect(noRepayment.status == 422 && noRepayment.fieldProblems["/repayment"] != nil, "\(noRepayment.body)")
            let late = try await referrals.call(
                .post, "/v1/follow-ups/\(firstLoan)", token: partner, json: #"{"on":"2024-11-30","repayment":"late"}"#)
            #expect(late.status == 200 && late.json["doneOn"] as? String == "2024-11-30", "\(late.body)")
            #expect(
                try await referrals.call(.post, "/v1/follow-ups/\(firstLoan)", token: partner, json: #"{"on":"2024-12-01","repayment":"late"}"#)
                    .status == 409)
            let loanNow = try await referrals.call(.get, "/v1/referrals/\(lent)", token: officer)
            #expect((loanNow.json["details"] as? [String: Any])?["repayment"] as? String == "late", "\(loanNow.body)")
            // The partner's list: no person id, no residence; no filtering by commune.
            let partnerDue = try await referrals.call(.get, "/v1/follow-ups?on=2025-09-01&within=0", token: partner)
            let partnerItems = (partnerDue.json["items"] as? [[String: Any]]) ?? []
            #expect(!partnerItems.isEmpty && partnerItems.allSatisfy { $0["personId"] == nil && $0["communeCode"] == nil }, "\(partnerDue.body)")
            #expect(try await referrals.call(.get, "/v1/follow-ups?communeCode=00004", token: partner).status == 422)
            // An officer's list of one partner's follow-ups.
            let ofPartner = try await referrals.call(
                .get, "/v1/follow-ups?on=2025-09-01&within=0&partnerId=\(ReferralTests.partnerID)", token: officer)
            #expect((ofPartner.json["items"] as? [Any])?.count == 5, "\(ofPartner.body)")
            let ofNobody = try await referrals.call(.get, "/v1/follow-ups?on=2025-09-01&partnerId=\(UUID())", token: officer)
            #expect((ofNobody.json["items"] as? [Any])?.isEmpty == true, "\(ofNobody.body)")
            // Another commune sees none of them.
            let elsewhere = try await referrals.call(.get, "/v1/follow-ups?on=2025-09-01", token: tokens["commune00097"])
            #expect((elsewhere.json["items"] as? [Any])?.isEmpty == true, "\(elsewhere.body)")

            // Each step dated and by whom; a decline needs its reason.
            let history = try await referrals.call(.get, "/v1/referrals/\(hired)/steps", token: officer)
            #expect(
                (history.json["items"] as? [[String: Any]])?.compactMap { $0["action"] as? String } == [
                    "propose", "send", "respond", "hire", "employ",
                ],
                "\(history.body)")
            #expect((history.json["items"] as? [[String: Any]])?.last?["on"] as? String == "2024-02-29")
            let another = try await refer("job", job)
            let noReason = try await referrals.call(.post, "/v1/referrals/\(another)/response", token: partner, json: #"{"decision":"declined"}"#)
            #expect(noReason.status == 422 && noReason.fieldProblems["/note"] != nil, "\(noReason.body)")
            let declined = try await referrals.call(
                .post, "/v1/referrals/\(another)/response", token: partner, json: #"{"decision":"declined","note":"Hết chỗ"}"#)
            #expect((declined.json["details"] as? [String: Any])?["reason"] as? String == "Hết chỗ", "\(declined.body)")

            // Published without names, with the amounts statistics count.
            let steps = try await PeopleTests.events(database, type: "referrals.referral.step_recorded")
            #expect(steps.count == 10 && steps.allSatisfy { !$0.contains("Tuyết") }, "\(steps)")
            #expect(steps.contains { $0.contains("40000000") && $0.contains("disburse") })
            #expect(try await PeopleTests.events(database, type: "referrals.follow_up.recorded").count == 1)
            await admin.close()
        }
    }
}
