import Foundation
import HTTPTypes
import Registry
import TestSupport
import Testing

/// Agency keys: the area is never implied. A key without one, or with a misspelt field, is
/// refused rather than silently made national; codes are checked against the unit lists; every
/// answer shows the area.
@Suite("Agency API keys and account bodies", .timeLimit(.minutes(2)))
struct APIKeyTests {
    @Test func theAreaIsRequiredCheckedAndAlwaysShown() async throws {
        try await PeopleTests.withRegistry("api_keys") { registry, tokens, _ in
            let admin = tokens["admin1"]
            func make(_ fields: String) async throws -> ServiceClient.Reply {
                try await registry.call(.post, "/v1/api-keys", token: admin, json: #"{"label":"Sở Y tế","purpose":"báo cáo quý"\#(fields)}"#)
            }
            let missing = try await make("")
            #expect(missing.status == 422 && missing.fieldProblems["/areaCode"] == "is required", "\(missing.body)")
            let misspelt = try await make(#","area":"79""#)
            #expect(misspelt.status == 422 && misspelt.fieldProblems["/area"] == "is not a field of this request", "\(misspelt.body)")
            for (code, detail) in [
                ("00000", "is not a commune code of the 2025 list"), ("99", "is not a province code of the 2025 list"),
                ("7", "must be a province (2 digits) or commune (5 digits) code, or national"),
            ] {
                let refused = try await make(#","areaCode":"\#(code)""#)
                #expect(refused.status == 422 && refused.fieldProblems["/areaCode"] == detail, "\(code): \(refused.body)")
            }
            let national = try await make(#","areaCode":"national""#)
            #expect(national.status == 201 && national.json["areaCode"] as? String == "national", "\(national.body)")
            let province = try await make(#","areaCode":"79""#)
            #expect(province.status == 201 && province.json["areaCode"] as? String == "79", "\(province.body)")
            let listed = try await registry.call(.get, "/v1/api-keys", token: admin)
            #expect(Set((listed.json["items"] as? [[String: Any]] ?? []).compactMap { $0["areaCode"] as? String }) == ["national", "79"])
            // The national key reads the country's statistics as `national` on /v1/auth/me too.
            #expect(try await registry.call(.get, "/v1/auth/me", token: national.json["key"] as? String).status == 200)
        }
    }

    @Test func accountBodiesRefuseFieldsTheyDoNotHave() async throws {
        try await PeopleTests.withRegistry("account_fields") { registry, tokens, _ in
            let admin = tokens["admin1"]
            let created = try await registry.call(
                .post, "/v1/accounts", token: admin,
                json:
                    #"{"username":"ktv01","displayName":"Kiểm tra viên","role":"auditor","jurisdiction":{"kind":"national"},"password":"Một mật khẩu đủ dài 2026","jurisdictionCode":"01"}"#
            )
            #expect(created.status == 422 && created.fieldProblems["/jurisdictionCode"] != nil, "\(created.body)")
            // Nested objects too.
            let nested = try await registry.call(
                .post, "/v1/accounts", token: admin,
                json:
                    #"{"username":"ktv02","displayName":"Kiểm tra viên","role":"auditor","jurisdiction":{"kind":"national","province":"01"},"password":"Một mật khẩu đủ dài 2026"}"#
            )
            #expect(nested.status == 422 && nested.fieldProblems["/jurisdiction/province"] == "is not a field of this request", "\(nested.body)")
            let accounts = try await registry.call(.get, "/v1/accounts", token: admin)
            let someone = try #require((accounts.json["items"] as? [[String: Any]])?.first?["id"] as? String)
            let read = try await registry.call(.get, "/v1/accounts/\(someone)", token: admin)
            let changed = try await registry.call(
                .patch, "/v1/accounts/\(someone)", token: admin, json: #"{"displayName":"X","actve":false}"#,
                headers: [.ifMatch: try #require(read.headers[.eTag])])
            #expect(changed.status == 422 && changed.fieldProblems["/actve"] == "is not a field of this request", "\(changed.body)")
        }
    }
}
