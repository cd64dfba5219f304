import Foundation
import HTTPTypes
import Postgres
import Referrals
import Registry
import ServiceKit
import TestSupport
import Testing

/// Partners' offers and the matching of offers to a reintegration case, through the referrals API
/// against the real database: kept by the partner's own accounts, checked field by field (money in
/// whole đồng, a rate as an exact decimal), matched nearest first with the reasons.
@Suite("Referrals: partner offers and matching", .timeLimit(.minutes(2)))
struct OfferTests {
    static let partner = "00000000-0000-4000-8000-00000000a001"
    static let otherPartner = "00000000-0000-4000-8000-00000000a002"

    static let course =
        #"{"kind":"course","title":"Hàn điện cơ bản","provinceCode":"01","communeCode":"00004","place":"Trường nghề Ba Đình","course":{"trade":"Hàn điện","startsOn":"2027-03-01","endsOn":"2027-06-30","seats":20,"costCovered":true}}"#
    static let job =
        #"{"kind":"job","title":"Công nhân may","provinceCode":"01","job":{"position":"Công nhân may","employer":"Công ty May 10","wageMinVnd":6000000,"wageMaxVnd":9000000,"openings":2}}"#
    static let loan =
        #"{"kind":"loan_programme","title":"Vay giải quyết việc làm","loanProgramme":{"lender":"Ngân hàng Chính sách xã hội","purpose":"Tạo việc làm","limitVnd":100000000,"termMonths":60,"interestRate":"0.066"}}"#

    @Test func partnersKeepTheirOffersAndCasesAreMatchedNearestFirst() async throws {
        try await PeopleTests.withRegistry("offers") { registry, tokens, database in
            let commune = tokens["commune00004"]
            let person = try PeopleTests.id(try await registry.call(.post, "/v1/people", token: commune, json: PeopleTests.anh))
            let partnerToken = try await registry.signIn("partner1")
            try await ServiceHarness.withService(ReferralsService.descriptor, database: database) { referrals in
                let admin = try await database.connect()
                try await admin.query(
                    """
                    INSERT INTO referrals.partners (id, name, search_name, kind) VALUES
                        (\(UUID(uuidString: Self.partner)!), 'Ngân hàng Chính sách xã hội', 'ngan hang chinh sach xa hoi', 'social_policy_bank'),
                        (\(UUID(uuidString: Self.otherPartner)!), 'Quỹ tái hòa nhập', 'quy tai hoa nhap', 'reintegration_fund')
                    """)
                let offers = "/v1/partners/\(Self.partner)/offers"
                var made: [String: String] = [:]
                for (name, body) in [("course", Self.course), ("job", Self.job), ("loan", Self.loan)] {
                    let reply = try await referrals.call(.post, offers, token: partnerToken, json: body)
                    #expect(reply.status == 201, "\(name): \(reply.body)")
                    made[name] = reply.json["id"] as? String
                }
                let loan = try await referrals.call(.get, "/v1/offers/\(made["loan"] ?? "")", token: commune)
                #expect((loan.json["loanProgramme"] as? [String: Any])?["interestRate"] as? String == "0.0660", "\(loan.body)")
                #expect((loan.json["loanProgramme"] as? [String: Any])?["limitVnd"] as? Int == 100_000_000)

                // Another organisation's offers are not the partner's to see or keep; officers only read.
                #expect(try await referrals.call(.get, "/v1/partners/\(Self.otherPartner)/offers", token: partnerToken).status == 404)
                #expect(
                    try await referrals.call(.post, "/v1/partners/\(Self.otherPartner)/offers", token: partnerToken, json: Self.job).status == 404)
                #expect(try await referrals.call(.post, offers, token: tokens["province01"], json: Self.job).status == 403)

                // Bad offers, named field by field.
                let noJob = try await referrals.call(.post, offers, token: partnerToken, json: #"{"kind":"job","title":"x"}"#)
                #expect(noJob.status == 422 && noJob.fieldProblems["/job"] != nil, "\(noJob.body)")
                let nullCourse = try await referrals.call(.post, offers, token: partnerToken, json: #"{"kind":"course","title":"x","course":null}"#)
                #expect(nullCourse.status == 422 && nullCourse.fieldProblems["/course"] != nil, "\(nullCourse.body)")
                let badRate = try await referrals.call(
                    .post, offers, token: partnerToken, json: Self.loan.replacingOccurrences(of: #""0.066""#, with: #""6.6%""#))
                #expect(badRate.status == 422 && badRate.fieldProblems["/loanProgramme/interestRate"] != nil, "\(badRate.body)")
                let wages = try await referrals.call(
                    .post, offers, token: partnerToken, json: Self.job.replacingOccurrences(of: "9000000", with: "5000000"))
                #expect(wages.status == 422 && wages.fieldProblems["/job/wageMaxVnd"] != nil, "\(wages.body)")
                let mixed = try await referrals.call(
                    .post, offers, token: partnerToken,
                    json:
                        #"{"kind":"job","title":"x","job":{"position":"x","wageMinVnd":1,"wageMaxVnd":2,"openings":1},"course":{"trade":"x","startsOn":"2027-01-01","endsOn":"2027-02-01","seats":1}}"#
                )
                #expect(mixed.status == 422 && mixed.fieldProblems["/course"] != nil, "\(mixed.body)")
                let elsewhere = try await referrals.call(
                    .post, offers, token: partnerToken,
                    json: Self.course.replacingOccurrences(of: #""provinceCode":"01""#, with: #""provinceCode":"79""#))
                #expect(elsewhere.status == 422 && elsewhere.fieldProblems["/communeCode"] != nil, "\(elsewhere.body)")

                // A case of the commune that needs training, a job and a loan.
                let caseID = UUID()
                try await admin.query(
                    """
                    INSERT INTO referrals.cases (id, person_id, aftercare_id, status, opened_on, needs, commune_code, province_code)
                    VALUES (\(caseID), \(UUID(uuidString: person)!), \(UUID()), 'open', '2026-11-01', '{vocational_training,job,loan}', '00004', '01')
                    """)
                func matches() async throws -> [[String: Any]] {
                    (try await referrals.call(.get, "/v1/cases/\(caseID)/matches", token: commune).json["items"] as? [[String: Any]]) ?? []
                }
                let found = try await matches()
                #expect(
                    found.compactMap { ($0["offer"] as? [String: Any])?["kind"] as? String } == ["course", "job", "loan_programme"], "\(found)")
                #expect(found.map { $0["nearness"] as? String } == ["commune", "province", "national"], "\(found)")
                #expect((found.first?["reasons"] as? [String])?.contains("meets the need: vocational_training") == true, "\(found)")
                // A job with every opening taken drops out.
                try await admin.query("UPDATE referrals.offers SET taken = 2 WHERE id = \(UUID(uuidString: made["job"]!)!)")
                #expect(try await matches().compactMap { ($0["offer"] as? [String: Any])?["kind"] as? String } == ["course", "loan_programme"])
                // The partner closes its course: it drops out too.
                let closed = try await referrals.call(
                    .put, "/v1/offers/\(made["course"]!)", token: partnerToken,
                    json: Self.course.replacingOccurrences(of: #""kind":"course","#, with: #""kind":"course","active":false,"#))
                #expect(closed.status == 200 && closed.json["active"] as? Bool == false, "\(closed.body)")
                #expect(try await matches().compactMap { ($0["offer"] as? [String: Any])?["kind"] as? String } == ["loan_programme"])
                // Another commune's officer does not see the case.
                #expect(try await referrals.call(.get, "/v1/cases/\(caseID)/matches", token: tokens["commune00097"]).status == 404)

                // Admins keep a partner's record current; its own accounts do not.
                let renamed = try await referrals.call(
                    .patch, "/v1/partners/\(Self.otherPartner)", token: tokens["admin1"], json: #"{"phone":"024 3333 4444","kind":"other"}"#)
                #expect(
                    renamed.status == 200 && renamed.json["phone"] as? String == "024 3333 4444" && renamed.json["kind"] as? String == "other",
                    "\(renamed.body)")
                #expect(try await referrals.call(.patch, "/v1/partners/\(Self.partner)", token: partnerToken, json: #"{"phone":"0"}"#).status == 403)
                #expect(try await referrals.call(.patch, "/v1/partners/\(Self.partner)", token: tokens["admin1"], json: "{}").status == 422)
                // Areas a partner serves: a commune of province 01, checked against the 2025 list.
                let areas = try await referrals.call(
                    .put, "/v1/partners/\(Self.otherPartner)/areas", token: tokens["admin1"],
                    json: #"{"areas":[{"provinceCode":"01","communeCode":"00004"},{"provinceCode":"79"}]}"#)
                #expect(areas.status == 200 && (areas.json["items"] as? [Any])?.count == 2, "\(areas.body)")
                let wrong = try await referrals.call(
                    .put, "/v1/partners/\(Self.otherPartner)/areas", token: tokens["admin1"],
                    json: #"{"areas":[{"provinceCode":"79","communeCode":"00004"}]}"#)
                #expect(wrong.status == 422 && wrong.fieldProblems["/areas/0/communeCode"] != nil, "\(wrong.body)")
                let fund = try await referrals.call(
                    .post, "/v1/partners/\(Self.otherPartner)/offers", token: tokens["admin1"],
                    json: Self.loan.replacingOccurrences(of: "Vay giải quyết việc làm", with: "Quỹ vay vốn"))
                #expect(fund.status == 201, "\(fund.body)")
                let both = try await matches()
                #expect(both.first?["partnerName"] as? String == "Quỹ tái hòa nhập" && both.first?["nearness"] as? String == "commune", "\(both)")
                await admin.close()
            }
        }
    }
}
