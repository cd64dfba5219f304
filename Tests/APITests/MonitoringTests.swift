import Foundation
import HTTPTypes
import Postgres
import Registry
import ServiceKit
import TestSupport
import Testing
import Treatment

/// Law 120/2025's measures through the treatment API: electronic monitoring only under a regime
/// that has it, within its duration, during the measures it accompanies; declarations of
/// substances used.
@Suite("Treatment: electronic monitoring and substance declarations", .timeLimit(.minutes(2)))
struct MonitoringTests {
    static func order(_ starts: String, _ ends: String) -> String {
        #"{"device":"Vòng đeo GPS VT-1 số 00123","startsOn":"\#(starts)","endsOn":"\#(ends)","reason":"Không chấp hành triệu tập","decisionNumber":"7/QĐ-CAX"}"#
    }

    @Test func monitoringFollowsTheRegimeAndTheMeasureItAccompanies() async throws {
        try await PeopleTests.withRegistry("monitoring") { registry, tokens, database in
            let commune = tokens["commune00004"]
            let person = try PeopleTests.id(try await registry.call(.post, "/v1/people", token: commune, json: PeopleTests.anh))
            try await ServiceHarness.withService(TreatmentService.descriptor, database: database) { treatment in
                let path = "/v1/people/\(person)/monitoring"
                // In no measure yet.
                let alone = try await treatment.call(.post, path, token: commune, json: Self.order("2026-08-01", "2027-07-31"))
                #expect(alone.status == 409 && alone.json["rule"] as? String == MonitoringTests.duringRule, "\(alone.body)")
                // Treatment at family or community under Law 120/2025.
                let opened = try await treatment.call(
                    .post, "/v1/people/\(person)/episodes", token: commune, json: EpisodeTests.community(start: "2026-07-01", end: "2028-06-30"))
                let episode = try #require(opened.json["id"] as? String, "\(opened.body)")
                #expect(try await treatment.call(.post, "/v1/episodes/\(episode)/start", token: commune, json: #"{"on":"2026-07-01"}"#).status == 200)
                // Under Law 73/2021 there was none.
                let before = try await treatment.call(.post, path, token: commune, json: Self.order("2026-06-20", "2027-06-19"))
                #expect(before.status == 409 && (before.json["rule"] as? String)?.contains("law-73-2021") == true, "\(before.body)")
                // One to two years (reported).
                let short = try await treatment.call(.post, path, token: commune, json: Self.order("2026-08-01", "2027-07-30"))
                #expect(short.status == 422 && short.fieldProblems["/endsOn"]?.contains("law-120-2025") == true, "\(short.body)")
                let ordered = try await treatment.call(.post, path, token: commune, json: Self.order("2026-08-01", "2027-07-31"))
                #expect(ordered.status == 201 && ordered.json["during"] as? String == "episode", "\(ordered.body)")
                #expect(ordered.json["recordId"] as? String == episode)
                let listed = try await treatment.call(.get, path, token: tokens["province01"])
                #expect((listed.json["items"] as? [[String: Any]])?.count == 1)
                #expect(
                    try await treatment.call(.post, path, token: tokens["province01"], json: Self.order("2026-08-01", "2027-07-31")).status == 403)
                #expect(try await treatment.call(.get, path, token: tokens["commune00097"]).status == 404)
                #expect(try await PeopleTests.events(database, type: "treatment.monitoring.ordered").count == 1)

                let declared = try await treatment.call(
                    .post, "/v1/people/\(person)/substance-declarations", token: commune,
                    json: #"{"declaredOn":"2026-08-02","substances":["methamphetamine","ketamine"],"note":"Tự khai"}"#)
                #expect(declared.status == 201 && declared.json["regime"] as? String == "law-120-2025", "\(declared.body)")
                let bad = try await treatment.call(
                    .post, "/v1/people/\(person)/substance-declarations", token: commune, json: #"{"declaredOn":"2026-08-02","substances":["tea"]}"#)
                #expect(bad.status == 422 && bad.fieldProblems["/substances/0"] != nil, "\(bad.body)")
                let declarations = try await treatment.call(.get, "/v1/people/\(person)/substance-declarations", token: commune)
                #expect((declarations.json["items"] as? [[String: Any]])?.first?["substances"] as? [String] == ["methamphetamine", "ketamine"])
            }
        }
    }

    static let duringRule =
        "Law 120/2025/QH15: electronic monitoring during treatment at family or community, substitution treatment or after-care (reported)"
}
