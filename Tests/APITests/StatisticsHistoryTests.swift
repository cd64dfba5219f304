import Foundation
import HTTPTypes
import Logging
import Postgres
import Referrals
import Registry
import ServiceKit
import Statistics
import TestSupport
import Testing
import Treatment

/// The indicators computed from a scripted history over two years (four people of commune 00004:
/// compulsory treatment, after-care, a reintegration case and a relapse; treatment at family or
/// community, after-care, a counselled case and a relapse; an untreated addiction; a negative
/// determination; the commune's programmes), each value checked against the figure worked out by
/// hand below, with breakdowns, for the commune, its province and the country; then
/// `statistics rebuild` replays the log into fresh tables whose contents equal the live ones.
@Suite("Statistics: indicators from a scripted history, and rebuild equals live", .timeLimit(.minutes(4)))
struct StatisticsHistoryTests {
    static func person(_ name: String, born: String, sex: String, nationalId: String, ethnicity: String, substance: String) -> String {
        #"{"fullName":"\#(name)","birthDate":"\#(born)","sex":"\#(sex)","nationalId":"\#(nationalId)","ethnicity":"\#(ethnicity)","residence":{"communeCode":"00004","address":"12 Phố Huế"},"substances":["\#(substance)"]}"#
    }

    @Test func indicatorsEqualTheFiguresWorkedOutByHandAndARebuildEqualsLive() async throws {
        try await PeopleTests.withRegistry("statistics_history") { registry, tokens, database in
            try await EpisodeTests.addFacilities(database)
            let commune = tokens["commune00004"]
            let staff = try await registry.signIn("facility1")
            let anh = try PeopleTests.id(try await registry.call(.post, "/v1/people", token: commune, json: PeopleTests.anh))
            let binh = try PeopleTests.id(
                try await registry.call(
                    .post, "/v1/people", token: commune,
                    json: Self.person(
                        "Hoàng Văn Bình", born: "1980-05-01", sex: "male", nationalId: "001080012345", ethnicity: "Tày", substance: "heroin")))
            let cuong = try PeopleTests.id(
                try await registry.call(
                    .post, "/v1/people", token: commune,
                    json: Self.person(
                        "Lê Văn Cường", born: "2008-07-07", sex: "male", nationalId: "001208012345", ethnicity: "Kinh", substance: "cannabis")))
            let dung = try PeopleTests.id(
                try await registry.call(
                    .post, "/v1/people", token: commune,
                    json: Self.person(
                        "Phạm Thị Dung", born: "1990-09-09", sex: "female", nationalId: "001190012346", ethnicity: "Kinh", substance: "heroin")))
            _ = try await Self.registerUnderLegacyCommunes(registry, token: tokens["province01"])
            try await ServiceHarness.withService(TreatmentService.descriptor, database: database) { treatment in
                try await ServiceHarness.withService(ReferralsService.descriptor, database: database) { referrals in
                    try await ServiceHarness.withService(StatisticsService.descriptor, database: database) { statistics in
                        func expectOK(_ reply: ServiceClient.Reply, _ what: String) {
                            #expect((200..<300).contains(reply.status), "\(what): \(reply.status) \(reply.body)")
                        }
                        /// The reintegration case the referrals service opened from `person`'s after-care.
                        func caseOf(_ person: String) async throws -> String {
                            let listed = try await CaseTests.eventually(referrals, "/v1/cases", token: commune) { reply in
                                ((reply.json["items"] as? [[String: Any]]) ?? []).contains { $0["personId"] as? String == person }
                            }
                            let found = ((listed.json["items"] as? [[String: Any]]) ?? []).first { $0["personId"] as? String == person }
                            return try #require(found?["id"] as? String, "\(listed.body)")
                        }
                        let criteria = ["craving", "withdrawal", "tolerance"]
                        // Ánh: determined 2024-01-05, compulsory 2024-02-01 to 2025-01-31, after-care from 2025-02-01 with a case
                        // needing a job, relapse 2025-06-10.
                        expectOK(
                            try await treatment.call(
                                .post, "/v1/people/\(anh)/determinations", token: commune,
                                json: DeterminationTests.determination("2024-01-05", criteria)),
                            "Ánh determined")
                        let compulsory = try #require(
                            try await treatment.call(
                                .post, "/v1/people/\(anh)/episodes", token: commune,
                                json: EpisodeTests.compulsory(start: "2024-02-01", end: "2025-01-31")
                            ).json["id"] as? String)
                        expectOK(
                            try await treatment.call(.post, "/v1/episodes/\(compulsory)/start", token: staff, json: #"{"on":"2024-02-01"}"#), "start")
                        for (stage, day) in [
                            ("intake", "2024-02-03"), ("detoxification", "2024-03-01"), ("counselling", "2024-06-01"),
                            ("labour_therapy", "2024-10-01"),
                            ("reintegration", "2025-01-15"),
                        ] {
                            expectOK(
                                try await treatment.call(
                                    .post, "/v1/episodes/\(compulsory)/stages", token: staff, json: #"{"stage":"\#(stage)","completedOn":"\#(day)"}"#),
                                stage)
                        }
                        expectOK(
                            try await treatment.call(
                                .post, "/v1/episodes/\(compulsory)/end", token: staff, json: #"{"reason":"completed","on":"2025-01-31"}"#), "end")
                        expectOK(
                            try await referrals.call(
                                .put, "/v1/cases/\(try await caseOf(anh))/assessment", token: commune,
                                json: #"{"needs":["job"],"skills":"May mặc","priorWork":"Bán hàng","assessedOn":"2025-02-05"}"#), "Ánh assessed")
                        // Bình: determined 2024-03-01, at family or community 2024-04-01 to 2024-09-30, after-care from 2024-10-01
                        // with a case needing training and a job, counselled 2024-11-01; relapse 2024-12-01.
                        expectOK(
                            try await treatment.call(
                                .post, "/v1/people/\(binh)/determinations", token: commune,
                                json: DeterminationTests.determination("2024-03-01", criteria)),
                            "Bình determined")
                        let community = try #require(
                            try await treatment.call(
                                .post, "/v1/people/\(binh)/episodes", token: commune,
                                json: EpisodeTests.community(start: "2024-04-01", end: "2024-09-30")
                            ).json["id"] as? String)
                        expectOK(
                            try await treatment.call(.post, "/v1/episodes/\(community)/start", token: commune, json: #"{"on":"2024-04-01"}"#), "start"
                        )
                        for (stage, day) in [("intake", "2024-04-02"), ("detoxification", "2024-05-01"), ("counselling", "2024-07-01")] {
                            expectOK(
                                try await treatment.call(
                                    .post, "/v1/episodes/\(community)/stages", token: commune, json: #"{"stage":"\#(stage)","completedOn":"\#(day)"}"#
                                ),
                                stage)
                        }
                        expectOK(
                            try await treatment.call(
                                .post, "/v1/episodes/\(community)/end", token: commune, json: #"{"reason":"completed","on":"2024-09-30"}"#), "end")
                        let binhCase = try await caseOf(binh)
                        expectOK(
                            try await referrals.call(
                                .put, "/v1/cases/\(binhCase)/assessment", token: commune,
                                json: #"{"needs":["vocational_training","job"],"skills":"Hàn điện","priorWork":"Phụ hồ","assessedOn":"2024-10-05"}"#),
                            "Bình assessed")
                        expectOK(
                            try await referrals.call(
                                .post, "/v1/cases/\(binhCase)/counselling", token: commune,
                                json: #"{"givenOn":"2024-11-01","givenBy":"Đội công tác xã hội","topic":"Học nghề hàn"}"#), "Bình counselled")
                        expectOK(
                            try await treatment.call(
                                .post, "/v1/people/\(binh)/tests", token: commune,
                                json: #"{"testedOn":"2024-12-01","method":"urine","substances":["heroin"],"positive":true}"#), "Bình relapsed")
                        // Cường: determined 2025-03-03, untreated. Dung: a negative determination 2025-04-04.
                        expectOK(
                            try await treatment.call(
                                .post, "/v1/people/\(cuong)/determinations", token: commune,
                                json: DeterminationTests.determination("2025-03-03", criteria)),
                            "Cường determined")
                        expectOK(
                            try await treatment.call(
                                .post, "/v1/people/\(dung)/determinations", token: commune,
                                json: DeterminationTests.determination("2025-04-04", ["craving"])),
                            "Dung determined")
                        expectOK(
                            try await treatment.call(
                                .post, "/v1/people/\(anh)/tests", token: commune,
                                json: #"{"testedOn":"2025-06-10","method":"urine","substances":["methamphetamine"],"positive":true}"#), "Ánh relapsed"
                        )
                        // The commune's programmes: a club founded 2024-03-01, a campaign 2025-06-26, an after-care model since
                        // 2025-09-01, recognised drug-free on 2025-12-20.
                        for (kind, body, token) in [
                            (
                                "group",
                                #"{"communeCode":"00004","groupType":"club","name":"CLB B93 phường Ba Đình","foundedOn":"2024-03-01","members":[{"name":"Đỗ Văn Thành"}]}"#,
                                commune
                            ),
                            (
                                "campaign",
                                #"{"communeCode":"00004","heldOn":"2025-06-26","topic":"Ngày toàn dân phòng, chống ma túy","peopleReached":350}"#,
                                commune
                            ),
                            ("aftercare-model", #"{"communeCode":"00004","model":"Quản lý sau cai dựa vào gia đình","since":"2025-09-01"}"#, commune),
                            (
                                "drug-free", #"{"communeCode":"00004","year":2025,"decisionNumber":"1234/QĐ-UBND","decidedOn":"2025-12-20"}"#,
                                tokens["province01"]
                            ),
                        ] {
                            expectOK(try await registry.call(.post, "/v1/programmes/\(kind)", token: token, json: body), kind)
                        }
                        let owner = try await database.connect()
                        let communesOfHanoi =
                            try await owner.query(
                                "SELECT count(*) FROM registry.admin_units WHERE generation = '2025' AND level = 'commune' AND province_code = '01'"
                            ).first?.decode(Int.self, at: 0) ?? 0
                        await owner.close()

                        /// "numerator/denominator" of each row, keyed by its breakdown ("" for the total).
                        func figures(_ indicator: String, _ query: String, token: String? = tokens["admin1"]) async throws -> [String: String] {
                            let reply = try await statistics.call(.get, "/v1/indicators/\(indicator)/values?\(query)", token: token)
                            var found: [String: String] = [:]
                            for item in (reply.json["items"] as? [[String: Any]]) ?? [] {
                                let ratio = [item["numerator"] as? Int, item["denominator"] as? Int].compactMap { $0.map(String.init) }.joined(
                                    separator: "/")
                                found[(item["breakdown"] as? String) ?? ""] = ratio
                            }
                            if reply.status != 200 { found["status"] = String(reply.status) }
                            return found
                        }
                        let year2024 = "areaCode=00004&from=2024-01-01&to=2024-12-31"
                        let year2025 = "areaCode=00004&from=2025-01-01&to=2025-12-31"
                        // The person's breakdowns (sex, age band, ethnicity, substance) are kept for provinces and the country.
                        let province2024 = "areaCode=01&from=2024-01-01&to=2024-12-31"
                        let province2025 = "areaCode=01&from=2025-01-01&to=2025-12-31"
                        // Worked out by hand from the history above.
                        let expected: [(String, String, [String: String])] = [
                            ("determinations", year2024, ["": "2"]),
                            ("determinations", year2025, ["": "2"]),
                            ("determinations", year2025 + "&breakdown=result", ["positive": "1", "negative": "1"]),
                            ("determinations", province2024 + "&breakdown=sex", ["female": "1", "male": "1"]),
                            ("determinations", province2024 + "&breakdown=ethnicity", ["Kinh": "1", "Tày": "1"]),
                            // Ánh is 29 in 2024, Bình 44.
                            ("determinations", province2024 + "&breakdown=age_band", ["18-<30": "1", "30+": "1"]),
                            // On 2024-12-31 Ánh is in compulsory treatment; Bình's ended on 2024-09-30.
                            ("people_in_treatment", year2024 + "&breakdown=treatment_form", ["compulsory": "1"]),
                            ("people_in_treatment", year2025, [:]),
                            // By place: Ánh's began at a public compulsory treatment facility; on 2024-06-30 Bình was treated in the community.
                            ("people_in_treatment", year2024 + "&breakdown=place", ["public_compulsory_treatment": "1"]),
                            // The place is a breakdown, not a second count: one person in all, one Kinh woman.
                            ("people_in_treatment", year2024, ["": "1"]),
                            ("people_in_treatment", province2024 + "&breakdown=sex", ["female": "1"]),
                            (
                                "people_in_treatment", "areaCode=00004&from=2024-06-01&to=2024-06-30&breakdown=place",
                                ["public_compulsory_treatment": "1", "community": "1"]
                            ),
                            // Cut inside a month: the months before it are read by the month, its days one by one.
                            (
                                "people_in_treatment", "areaCode=00004&from=2024-06-01&to=2024-06-15&breakdown=place",
                                ["public_compulsory_treatment": "1", "community": "1"]
                            ),
                            ("people_in_treatment", "areaCode=00004&from=2024-04-01&to=2024-09-29", ["": "2"]),
                            ("people_in_treatment", "areaCode=00004&from=2024-04-01&to=2024-10-15", ["": "1"]),
                            // Admissions in 2024: one compulsory, one at family or community; none in 2025.
                            ("compulsory_share", year2024, ["": "1/2"]),
                            ("treatment_mix", year2024, ["compulsory": "1/2", "voluntary_community": "1/2"]),
                            ("compulsory_share", year2025, [:]),
                            // Facility treatment completed: Ánh's in 2025, her after-care the next day. Bình's was not at a facility.
                            ("aftercare_coverage", year2025, ["": "1/1"]),
                            ("aftercare_coverage", year2024, [:]),
                            // In after-care on 2024-11-30: Bình, a Tày man; on 2024-12-31 and 2025-12-31 no one (both relapsed).
                            ("people_in_aftercare", "areaCode=01&from=2024-11-01&to=2024-11-30&breakdown=ethnicity", ["Tày": "1"]),
                            ("people_in_aftercare", year2024, [:]),
                            ("people_in_aftercare", year2025, [:]),
                            // Relapses: Bình's of his after-care in 2024; Ánh's of hers (the only one open) in 2025.
                            ("relapse_rate", year2024, ["": "1/1"]),
                            ("relapse_rate", year2025, ["": "1/1"]),
                            ("relapse_rate", province2025 + "&breakdown=sex", ["female": "1/1"]),
                            ("relapse_rate_change", year2025, ["": "1/1"]),
                            // Addiction on record on 2024-12-31: Ánh in treatment, Bình addicted again.
                            ("treated_share", year2024, ["": "1/2"]),
                            // On 2025-06-30 all three are addicted: Ánh and Bình after relapsing, Cường untreated.
                            ("treated_share", "areaCode=00004&from=2025-06-30&to=2025-06-30", ["": "0/3"]),
                            // Em too (heroin), under management from 2024-03-01 in Phường Ngọc Hà (00008) through the mapping.
                            ("people_under_management", province2024 + "&breakdown=substance", ["methamphetamine": "1", "heroin": "2"]),
                            ("people_under_management", "areaCode=00008&from=2024-01-01&to=2024-12-31", ["": "1"]),
                            // Cases: Bình's (training and a job) open in 2024 and counselled; Ánh's (a job) in 2025, not counselled.
                            ("vocational_counselling_share", year2024, ["": "1/1"]),
                            ("vocational_counselling_share", year2025, ["": "0/1"]),
                            ("vocational_training_share", year2024, ["": "0/1"]),
                            ("job_referral_share", year2025, ["": "0/1"]),
                            // Programmes.
                            ("volunteer_teams_and_clubs", year2024, ["": "1"]),
                            ("campaign_communes_share", year2024, ["": "0/1"]),
                            ("campaign_communes_share", year2025, ["": "1/1"]),
                            ("campaign_communes_share", "areaCode=01&from=2025-01-01&to=2025-12-31", ["": "1/\(communesOfHanoi)"]),
                            ("aftercare_model_communes_share", "areaCode=00004&from=2025-06-01&to=2025-12-31&period=quarter", ["": "1/1"]),
                            ("drug_free_communes", year2025, ["": "1"]),
                            ("drug_free_communes", year2024, [:]),
                            // The province's and the country's figures are the commune's (nothing else happened).
                            ("relapse_rate", "areaCode=01&from=2025-01-01&to=2025-12-31", ["": "1/1"]),
                            ("determinations", "from=2024-01-01&to=2024-12-31&groupBy=province", ["": "2"]),
                            // Ánh's in January (read by the month), Bình's on 2024-03-01 (the split month's first day).
                            ("determinations", "from=2024-01-01&to=2024-03-15&groupBy=province", ["": "2"]),
                            ("determinations", "from=2024-01-06&to=2024-03-15&groupBy=province", ["": "1"]),
                        ]
                        var mismatches: [String] = []
                        let deadline = ContinuousClock.now + .seconds(30)
                        repeat {
                            mismatches = []
                            for (indicator, query, wanted) in expected {
                                let found = try await figures(indicator, query)
                                if found != wanted { mismatches.append("\(indicator)?\(query): \(found), expected \(wanted)") }
                            }
                            if mismatches.isEmpty { break }
                            try await Task.sleep(for: .milliseconds(250))
                        } while ContinuousClock.now < deadline
                        #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "\n"))")
                        let change = try await statistics.call(.get, "/v1/indicators/relapse_rate_change/values?\(year2025)", token: tokens["admin1"])
                        let changed = (change.json["items"] as? [[String: Any]])?.first
                        #expect(changed?["value"] as? Double == 0 && changed?["previousValue"] as? Double == 100, "\(change.body)")
                        // CSV with a byte-order mark, Vietnamese names intact; every computed indicator for one query; the
                        // country's table for a year.
                        let csv = try await statistics.call(
                            .get, "/v1/indicators/relapse_rate/values?areaCode=00004&from=2024-01-01&to=2025-12-31&format=csv",
                            token: tokens["admin1"])
                        let lines = csv.body.split(separator: "\r\n", omittingEmptySubsequences: true).map(String.init)
                        #expect(csv.status == 200 && csv.contentType == "text/csv; charset=utf-8", "\(csv.status) \(csv.body)")
                        #expect(
                            lines.first?.hasPrefix("\u{FEFF}indicator,generation,area_code,area_name,period_start,period_end,") == true, "\(lines)")
                        #expect(
                            Array(lines.dropFirst()) == [
                                "relapse_rate,2025,00004,Phường Ba Đình,2024-01-01,2024-12-31,,,1,1,100.0,,,false,,,,,false",
                                "relapse_rate,2025,00004,Phường Ba Đình,2025-01-01,2025-12-31,,,1,1,100.0,,,false,,,,,false",
                            ], "\(lines)")
                        let every = try await statistics.call(.get, "/v1/indicators/values?\(year2025)", token: tokens["admin1"])
                        let indicators = (every.json["indicators"] as? [[String: Any]]) ?? []
                        let computed = try await statistics.call(.get, "/v1/indicators", token: tokens["admin1"])
                        let computedCount = ((computed.json["items"] as? [[String: Any]]) ?? []).filter { $0["computed"] as? Bool == true }.count
                        #expect(every.status == 200 && indicators.count == computedCount && computedCount >= 18, "\(every.body)")
                        let national = try await statistics.call(.get, "/v1/indicators/table?year=2025", token: tokens["admin1"])
                        let nationalRows = (national.json["items"] as? [[String: Any]]) ?? []
                        func nationalRow(_ id: String) -> [String: Any]? {
                            (nationalRows.first { $0["indicator"] as? String == id })?["row"] as? [String: Any]
                        }
                        #expect(national.json["areaCode"] as? String == "national", "\(national.body)")
                        #expect(nationalRow("relapse_rate")?["numerator"] as? Int == 1 && nationalRow("determinations")?["numerator"] as? Int == 2)
                        #expect(nationalRow("campaign_communes_share")?["denominator"] as? Int == 3_321, "\(nationalRows)")
                        // Streamed as CSV (an indicator at a time, two connections taking turns), the same rows in the same order.
                        func csvRows(_ path: String) async throws -> [String] {
                            let answer = try await statistics.call(.get, path + "&format=csv", token: tokens["admin1"])
                            #expect(answer.status == 200, "\(answer.body)")
                            return answer.body.split(separator: "\r\n", omittingEmptySubsequences: true).dropFirst().map {
                                let fields = $0.split(separator: ",", omittingEmptySubsequences: false)
                                return "\(fields[0]) \(fields[2]) \(fields[4]) \(fields[7]) \(fields[8]) \(fields[9])"
                            }
                        }
                        func jsonRow(_ indicator: Any?, _ row: [String: Any]) -> String {
                            let area = row["areaCode"] as? String ?? ""
                            let start = row["periodStart"] as? String ?? ""
                            let value = row["breakdown"] as? String ?? ""
                            let counts = [row["numerator"], row["denominator"]].map { ($0 as? Int).map(String.init) ?? "" }
                            return "\(indicator ?? "") \(area) \(start) \(value) \(counts[0]) \(counts[1])"
                        }
                        let everyRows = indicators.flatMap { values in
                            ((values["items"] as? [[String: Any]]) ?? []).map { jsonRow(values["indicator"], $0) }
                        }
                        #expect(try await csvRows("/v1/indicators/values?\(year2025)") == everyRows && !everyRows.isEmpty)
                        // A read several indicators of one request make (people in after-care, admissions,
                        // relapses) is made once and shared: each indicator's rows equal those it has alone.
                        let twoYears = "areaCode=01&from=2024-01-01&to=2025-12-31&period=month"
                        let together = try await statistics.call(.get, "/v1/indicators/values?\(twoYears)", token: tokens["admin1"])
                        let togetherRows = ((together.json["indicators"] as? [[String: Any]]) ?? []).flatMap { values in
                            ((values["items"] as? [[String: Any]]) ?? []).map { jsonRow(values["indicator"], $0) }
                        }
                        for id in ["people_in_aftercare", "relapse_rate", "relapse_rate_change", "compulsory_share", "treatment_mix"] {
                            let alone = try await statistics.call(.get, "/v1/indicators/\(id)/values?\(twoYears)", token: tokens["admin1"])
                            let aloneRows = ((alone.json["items"] as? [[String: Any]]) ?? []).map { jsonRow(id, $0) }
                            #expect(aloneRows == togetherRows.filter { $0.hasPrefix(id + " ") }, "\(id): \(aloneRows)")
                            // (No month of 2024-2025 has a relapse rate in both it and the month a year before.)
                            #expect(!aloneRows.isEmpty || id == "relapse_rate_change", "\(id)")
                        }
                        let tableRows = nationalRows.map { jsonRow($0["indicator"], ($0["row"] as? [String: Any]) ?? [:]) }
                        #expect(try await csvRows("/v1/indicators/table?year=2025") == tableRows && !tableRows.isEmpty)
                        // A JSON answer is held whole in memory: one of every commune by month for five years is
                        // refused before anything is computed; the same as CSV is streamed.
                        let everyMonth = "/v1/indicators/values?groupBy=commune&period=month&from=2021-01-01&to=2025-12-31"
                        let tooLarge = try await statistics.call(.get, everyMonth, token: tokens["admin1"])
                        let tooLargeErrors = (tooLarge.json["errors"] as? [[String: Any]]) ?? []
                        #expect(tooLarge.status == 422 && tooLargeErrors.first?["pointer"] as? String == "?format", "\(tooLarge.body)")
                        let streamed = try await statistics.call(.get, everyMonth + "&format=csv", token: tokens["admin1"])
                        #expect(streamed.status == 200 && streamed.body.count > 1_000_000, "\(streamed.status)")
                        // Before 2025-07-01, by former district: Phường Ba Đình (00004) was formed mainly from communes of Quận Ba Đình (001).
                        let byDistrict = try await statistics.call(
                            .get, "/v1/indicators/determinations/values?groupBy=district&areaCode=01&from=2024-01-01&to=2024-12-31",
                            token: tokens["admin1"])
                        let districtRows = (byDistrict.json["items"] as? [[String: Any]]) ?? []
                        #expect(byDistrict.json["generation"] as? String == "legacy" && districtRows.count == 1, "\(byDistrict.body)")
                        #expect(
                            districtRows.first?["areaCode"] as? String == "001" && districtRows.first?["areaName"] as? String == "Quận Ba Đình"
                                && districtRows.first?["numerator"] as? Int == 2 && districtRows.first?["mapped"] as? Bool == true, "\(districtRows)")
                        #expect(try await figures("determinations", "groupBy=district&areaCode=01&from=2025-01-01&to=2025-12-31")["status"] == "422")
                        #expect(
                            try await figures("relapse_rate_change", "groupBy=district&areaCode=01&from=2024-01-01&to=2024-12-31")["status"] == "422")
                        let turned = try await statistics.call(
                            .get, "/v1/indicators/communes_turned_drug_free/values?areaCode=01&from=2025-01-01&to=2025-12-31", token: tokens["admin1"]
                        )
                        let turnedRows = (turned.json["items"] as? [[String: Any]]) ?? []
                        #expect(
                            turnedRows.count == 1 && turnedRows.first?["areaCode"] as? String == "001" && turnedRows.first?["numerator"] as? Int == 1,
                            "\(turned.body)")
                        // Plans counted by district (one commune turned drug-free per district a year, Ứng Hòa's counts): the
                        // province sets a former district's target, shown on the district's rows.
                        func setTarget(_ path: String, _ body: String, token: String?) async throws -> Int {
                            try await statistics.call(.put, "/v1/targets/\(path)", token: token, json: body).status
                        }
                        #expect(try await setTarget("communes_turned_drug_free/001/2025", #"{"minimum":1}"#, token: tokens["province01"]) == 200)
                        #expect(try await setTarget("determinations/001/2024", #"{"minimum":3}"#, token: tokens["admin1"]) == 200)
                        #expect(try await setTarget("determinations/001/2024", #"{"minimum":3}"#, token: tokens["province79"]) == 403)
                        #expect(try await setTarget("determinations/999/2024", #"{"minimum":3}"#, token: tokens["admin1"]) == 404)
                        let turnedAgain = try await statistics.call(
                            .get, "/v1/indicators/communes_turned_drug_free/values?areaCode=01&from=2025-01-01&to=2025-12-31", token: tokens["admin1"]
                        )
                        let turnedRow = ((turnedAgain.json["items"] as? [[String: Any]]) ?? []).first
                        #expect(
                            (turnedRow?["target"] as? [String: Any])?["minimum"] as? Double == 1 && turnedRow?["status"] as? String == "met",
                            "\(turnedAgain.body)")
                        let districtAgain = try await statistics.call(
                            .get, "/v1/indicators/determinations/values?groupBy=district&areaCode=01&from=2024-01-01&to=2024-12-31",
                            token: tokens["province01"])
                        let districtRow = ((districtAgain.json["items"] as? [[String: Any]]) ?? []).first
                        #expect(
                            districtRow?["status"] as? String == "behind" && districtRow?["gap"] as? Double == -1, "\(districtAgain.body)")
                        let provinceTargets = try await statistics.call(.get, "/v1/targets?year=2024&areaCode=01", token: tokens["province01"])
                        #expect(
                            ((provinceTargets.json["items"] as? [[String: Any]]) ?? []).contains { $0["areaCode"] as? String == "001" },
                            "\(provinceTargets.body)")
                        #expect(try await figures("determinations", year2024 + "&breakdown=sex")["status"] == "422")
                        #expect(try await figures("determinations", "areaCode=01&from=2024-01-01&to=2024-12-15&breakdown=sex")["status"] == "422")
                        // Province 01's officer reads the commune's rows; another province's does not.
                        #expect(
                            try await figures(
                                "relapse_rate", "groupBy=commune&areaCode=01&from=2025-01-01&to=2025-12-31", token: tokens["province01"])
                                == ["": "1/1"])
                        #expect(try await figures("relapse_rate", year2025, token: tokens["province79"])["status"] == "403")
                        #expect(try await figures("compulsory_share", year2025 + "&breakdown=treatment_form")["status"] == "422")
                        try await Self.expectMappedRows(statistics, token: tokens["admin1"])

                        // A rebuild from the log while the service runs: the fresh tables equal the live ones.
                        try await Self.waitUntilDrained(database)
                        let before = try await Self.contents(database)
                        #expect(before["monthly sums unequal to the days'"] == "0")
                        let vacuumed = "autovacuum_vacuum_scale_factor=0,autovacuum_vacuum_threshold=20000"
                        #expect(before["storage settings"] == "monthly_tallies \(vacuumed); tallies \(vacuumed)", "\(before)")
                        #expect(
                            before["statistics objects"]
                                == "monthly_tallies.monthly_tallies_area_level length(area_code); tallies.tallies_area_level length(area_code)",
                            "\(before)")
                        let keys = ["measure", "dimension", "value", "area_code", "parent_code"]
                        #expect(
                            before["key collations"]
                                == ["monthly_tallies", "tallies"].flatMap { table in keys.map { "\(table).\($0) C" } }.joined(separator: ", "),
                            "\(before)")
                        // A stray row in the live aggregates, as a bug might leave: a rebuild does not keep it.
                        let admin = try await database.connect()
                        for (table, day) in [("tallies", "day"), ("monthly_tallies", "month")] {
                            try await admin.query(
                                PostgresQuery(
                                    unsafeSQL:
                                        "INSERT INTO statistics.\(table) (measure, dimension, value, area_code, \(day), parent_code, entered) VALUES ('relapses', '', '', '00004', '2025-07-01', '01', 1)"
                                ))
                        }
                        await admin.close()
                        #expect(try await figures("relapse_rate", year2025) == ["": "2/1"])
                        var variables = ["DATABASE_URL": try database.conninfo(role: "statistics")]
                        variables["LOG_LEVEL"] = "error"
                        let configuration = try await ServiceConfiguration.load(service: StatisticsService.descriptor, environment: variables)
                        let report = try await StatisticsService.rebuild(configuration: configuration, logger: .quiet)
                        #expect(report.contains("rebuilt from"), "\(report)")
                        let after = try await Self.contents(database)
                        #expect(after.count == before.count && !after.isEmpty)
                        for (table, rows) in before { #expect(after[table] == rows, "\(table) differs after the rebuild") }
                        #expect(try await figures("relapse_rate", year2025) == ["": "1/1"])
                        // The live consumer carries on over the swapped tables.
                        expectOK(
                            try await treatment.call(
                                .post, "/v1/people/\(dung)/determinations", token: commune,
                                json: DeterminationTests.determination("2025-05-05", criteria)
                            ),
                            "Dung determined again")
                        var later: [String: String] = [:]
                        let laterDeadline = ContinuousClock.now + .seconds(20)
                        repeat {
                            later = try await figures("determinations", year2025)
                            if later == ["": "3"] { break }
                            try await Task.sleep(for: .milliseconds(200))
                        } while ContinuousClock.now < laterDeadline
                        #expect(later == ["": "3"])
                    }
                }
            }
        }
    }

    @Test func aRebuildAMigrationAsksForRunsAtTheNextStart() async throws {
        try await PeopleTests.withRegistry("statistics_pending_rebuild") { registry, tokens, database in
            _ = try PeopleTests.id(try await registry.call(.post, "/v1/people", token: tokens["commune00004"], json: PeopleTests.anh))
            let owner = try await database.connect()
            @Sendable func peopleCounted() async throws -> Int {
                try await owner.query("SELECT count(*) FROM statistics.people").first?.decode(Int.self, at: 0) ?? 0
            }
            try await ServiceHarness.withService(StatisticsService.descriptor, database: database) { _ in
                let deadline = ContinuousClock.now + .seconds(20)
                while try await peopleCounted() == 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(try await peopleCounted() == 1)
            let before = try await Self.contents(database)
            for (table, day) in [("tallies", "day"), ("monthly_tallies", "month")] {
                try await owner.query(
                    PostgresQuery(
                        unsafeSQL:
                            "INSERT INTO statistics.\(table) (measure, dimension, value, area_code, \(day), parent_code, entered) VALUES ('relapses', '', '', '00004', '2025-07-01', '01', 1)"
                    ))
            }
            try await owner.query("INSERT INTO statistics.pending_rebuilds (reason) VALUES ('a test')")
            try await ServiceHarness.withService(StatisticsService.descriptor, database: database) { _ in
                let deadline = ContinuousClock.now + .seconds(30)
                var pending = 1
                repeat {
                    pending = try await owner.query("SELECT count(*) FROM statistics.pending_rebuilds").first?.decode(Int.self, at: 0) ?? 0
                    if pending == 0 { break }
                    try await Task.sleep(for: .milliseconds(100))
                } while ContinuousClock.now < deadline
                #expect(pending == 0)
            }
            #expect(try await Self.contents(database) == before)
            await owner.close()
        }
    }

    /// Waits until no consumer has an event left to read or to retry, twice in a row 300 ms apart
    /// (a consumer's handling can publish more: the referrals service closing a case after a relapse).
    /// Em: living since 2023-05-01 in Phường Cống Vị (00007 of the list before 2025, divided in
    /// 2025; its default part is Phường Ngọc Hà, 00008), moved on 2024-09-01 to Phường Vĩnh Phúc
    /// (00006, wholly in 00008), under management from 2024-03-01 for a year. What the registry
    /// refuses on the way: a legacy commune for a residence from 2025-07-01, an unknown one.
    static func registerUnderLegacyCommunes(_ registry: ServiceClient, token: String?) async throws -> String {
        func body(_ code: String, since: String) -> String {
            #"{"fullName":"Trịnh Thị Em","birthYear":1995,"sex":"female","substances":["heroin"],"residence":{"communeCode":"\#(code)","generation":"legacy","since":"\#(since)"},"management":{"decisionDate":"2024-03-01"}}"#
        }
        func pointers(_ reply: ServiceClient.Reply) -> [String] {
            ((reply.json["errors"] as? [[String: Any]]) ?? []).compactMap { $0["pointer"] as? String }
        }
        let late = try await registry.call(.post, "/v1/people", token: token, json: body("00007", since: "2025-07-01"))
        #expect(late.status == 422 && pointers(late) == ["/residence/generation"], "\(late.body)")
        let unknown = try await registry.call(.post, "/v1/people", token: token, json: body("99999", since: "2023-05-01"))
        #expect(unknown.status == 422 && pointers(unknown) == ["/residence/communeCode"] && unknown.body.contains("before 2025"), "\(unknown.body)")
        let created = try await registry.call(.post, "/v1/people", token: token, json: body("00007", since: "2023-05-01"))
        let residence = created.json["residence"] as? [String: Any]
        #expect(
            created.status == 201 && residence?["communeCode"] as? String == "00008" && residence?["legacyCommuneCode"] as? String == "00007",
            "\(created.body)")
        let em = try PeopleTests.id(created)
        let lateMove = try await registry.call(
            .post, "/v1/people/\(em)/moves", token: token, json: #"{"communeCode":"00006","generation":"legacy","date":"2025-08-01"}"#)
        #expect(lateMove.status == 422 && pointers(lateMove) == ["/generation"], "\(lateMove.body)")
        // Between two former communes that became one: still a move.
        let moved = try await registry.call(
            .post, "/v1/people/\(em)/moves", token: token, json: #"{"communeCode":"00006","generation":"legacy","date":"2024-09-01"}"#)
        let movedTo = moved.json["residence"] as? [String: Any]
        #expect(
            moved.status == 200 && movedTo?["communeCode"] as? String == "00008" && movedTo?["legacyCommuneCode"] as? String == "00006",
            "\(moved.body)")
        return em
    }

    /// Rows say whether some of what they count was placed through the mapping: Em's commune and
    /// province (and each row by breakdown of them), not Phường Ba Đình; as JSON and CSV.
    static func expectMappedRows(_ statistics: ServiceClient, token: String?) async throws {
        func mapped(_ query: String) async throws -> [String] {
            let reply = try await statistics.call(.get, "/v1/indicators/people_under_management/values?\(query)", token: token)
            return ((reply.json["items"] as? [[String: Any]]) ?? []).map {
                "\($0["areaCode"] as? String ?? "") \($0["breakdown"] as? String ?? "") \($0["mapped"] as? Bool ?? false)"
            }
        }
        #expect(try await mapped("areaCode=00008&from=2024-01-01&to=2024-12-31") == ["00008  true"])
        #expect(try await mapped("areaCode=00004&from=2024-01-01&to=2024-12-31") == ["00004  false"])
        #expect(try await mapped("areaCode=01&from=2024-01-01&to=2024-12-31&breakdown=sex") == ["01 female true", "01 male true"])
        // After her management ended (2025-03-01) no one is counted there.
        #expect(try await mapped("areaCode=00008&from=2025-06-01&to=2025-06-30") == [])
        // Treated on record counts statuses too: Ánh's, in a commune no one was mapped into.
        let share = try await statistics.call(.get, "/v1/indicators/treated_share/values?areaCode=00004&from=2024-01-01&to=2024-12-31", token: token)
        #expect(((share.json["items"] as? [[String: Any]]) ?? []).first?["mapped"] as? Bool == false, "\(share.body)")
        let csv = try await statistics.call(
            .get, "/v1/indicators/people_under_management/values?areaCode=00008&from=2024-01-01&to=2024-12-31&format=csv", token: token)
        let lines = csv.body.split(separator: "\r\n").map(String.init)
        #expect(lines.first?.hasSuffix(",status,mapped") == true && lines.dropFirst().map { $0.hasSuffix(",true") } == [true], "\(lines)")
    }

    static func waitUntilDrained(_ database: TestDatabase) async throws {
        let owner = try await database.connect()
        let deadline = ContinuousClock.now + .seconds(30)
        var quiet = 0
        while quiet < 2, ContinuousClock.now < deadline {
            let pending =
                try await owner.query(
                    """
                    SELECT (SELECT count(*) FROM bus.consumer_slots s JOIN bus.events e ON e.slot = s.slot AND (e.xid, e.id) > (s.after_xid, s.after_id))
                         + (SELECT count(*) FROM bus.held_events WHERE dead_at IS NULL)
                    """
                ).first?.decode(Int.self, at: 0) ?? 0
            quiet = pending == 0 ? quiet + 1 : 0
            try await Task.sleep(for: .milliseconds(300))
        }
        await owner.close()
        #expect(quiet >= 2, "the consumers did not drain")
    }

    /// Every counting table's rows and every non-zero aggregate, as text, by table.
    static func contents(_ database: TestDatabase) async throws -> [String: String] {
        let admin = try await database.connect()
        var contents: [String: String] = [:]
        for table in [
            "people", "residences", "statuses", "referrals", "determinations", "episodes", "aftercare", "relapses", "referral_steps", "cases",
            "counselling", "programmes",
        ] {
            let rows = try await admin.query(
                PostgresQuery(unsafeSQL: "SELECT coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '') FROM statistics.\(table) t"))
            contents[table] = try rows.first?.decode(String.self, at: 0)
        }
        let tallies = try await admin.query(
            """
            SELECT coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '') FROM statistics.tallies t
            WHERE entered <> 0 OR exited <> 0 OR amount <> 0
            """)
        contents["tallies"] = try tallies.first?.decode(String.self, at: 0)
        let monthly = try await admin.query(
            """
            SELECT coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '') FROM statistics.monthly_tallies t
            WHERE entered <> 0 OR exited <> 0 OR exited_first <> 0 OR amount <> 0
            """)
        contents["monthly_tallies"] = try monthly.first?.decode(String.self, at: 0)
        // The sums by the month are the daily rows' sums, whether kept live or rebuilt; the person's
        // breakdowns, by the month already, are kept once (in `tallies`).
        let unequal = try await admin.query(
            """
            SELECT count(*) FROM (
                SELECT measure, dimension, value, area_code, date_trunc('month', day)::date AS month, sum(entered) AS entered,
                       sum(exited) AS exited, sum(exited_first) AS exited_first, sum(amount) AS amount
                FROM statistics.tallies WHERE dimension NOT IN ('sex', 'age_band', 'ethnicity', 'substance') GROUP BY 1, 2, 3, 4, 5
            ) d FULL JOIN statistics.monthly_tallies m USING (measure, dimension, value, area_code, month)
            WHERE (d.entered, d.exited, d.exited_first, d.amount) IS DISTINCT FROM (m.entered, m.exited, m.exited_first, m.amount)
            """)
        contents["monthly sums unequal to the days'"] = String(try unequal.first?.decode(Int.self, at: 0) ?? -1)
        // The indexes keep their names across a rebuild (migrations name them).
        let indexes = try await admin.query(
            "SELECT coalesce(string_agg(tablename || '.' || indexname, ' ' ORDER BY tablename, indexname), '') FROM pg_indexes WHERE schemaname = 'statistics'"
        )
        contents["indexes"] = try indexes.first?.decode(String.self, at: 0)
        // So do the planner's statistics objects, with what they are on.
        let statistics = try await admin.query(
            """
            SELECT coalesce(string_agg(c.relname || '.' || s.stxname || ' ' || pg_get_statisticsobjdef_columns(s.oid), '; '
                ORDER BY c.relname, s.stxname), '')
            FROM pg_statistic_ext s JOIN pg_class c ON c.oid = s.stxrelid WHERE c.relnamespace = 'statistics'::regnamespace
            """)
        contents["statistics objects"] = try statistics.first?.decode(String.self, at: 0)
        // So do the tables' storage settings (the aggregates are vacuumed after a fixed number of dead rows).
        let options = try await admin.query(
            """
            SELECT coalesce(string_agg(c.relname || ' ' || array_to_string(c.reloptions, ','), '; ' ORDER BY c.relname), '')
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'statistics' AND c.relkind = 'r' AND c.reloptions IS NOT NULL
            """)
        contents["storage settings"] = try options.first?.decode(String.self, at: 0)
        // And the collations of the aggregates' keys (compared byte by byte: migration 0015).
        let collations = try await admin.query(
            """
            SELECT coalesce(string_agg(c.relname || '.' || a.attname || ' ' || l.collname, ', ' ORDER BY c.relname, a.attnum), '')
            FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_collation l ON l.oid = a.attcollation
            WHERE c.relnamespace = 'statistics'::regnamespace AND c.relname IN ('tallies', 'monthly_tallies') AND a.attnum > 0
              AND NOT a.attisdropped
            """)
        contents["key collations"] = try collations.first?.decode(String.self, at: 0)
        await admin.close()
        return contents
    }
}
