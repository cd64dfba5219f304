import Foundation
import HTTPTypes
import ServiceKit
import TestSupport
import Testing

/// Schema-driven fuzzing: schemathesis (PyPI, installed by the test command) generates requests
/// for every operation of a service from its own OpenAPI document, as several callers, and checks
/// that none answers 5xx and every answer's status, content type and body are the documented
/// ones; the harness then checks every status answered is listed for its endpoint. Stateful
/// sequences follow the links schemathesis infers from the document.
///
/// The test command runs a short pass (`FUZZ_EXAMPLES`, default 8 examples per operation and
/// phase, two callers per service, a fixed seed); `Tests/Fuzz/long.sh` runs every caller on every
/// service with more examples and fresh seeds.
@Suite("Fuzzing every operation from the OpenAPI documents", .serialized, .timeLimit(.minutes(20)))
struct FuzzTests {
    enum Caller: Sendable, CustomStringConvertible {
        case account(String)
        case agencyKey

        var description: String {
            switch self {
            case .account(let username): username
            case .agencyKey: "agency key"
            }
        }
    }

    static let environment = ProcessInfo.processInfo.environment
    static let examples = Int(environment["FUZZ_EXAMPLES"] ?? "") ?? 8
    static let everyCaller = environment["FUZZ_CALLERS"] == "all"
    /// A fixed seed keeps the short pass the same on every run; the long run draws its own.
    static let seed: String? = environment["FUZZ_SEED"] ?? (everyCaller ? nil : "20261206")

    static let callers: [String: [Caller]] = [
        "registry": [.account("admin1"), .account("commune00004")],
        "treatment": [.account("facility1"), .account("commune00004")],
        "referrals": [.account("partner1"), .account("commune00004")],
        "statistics": [.account("province01"), .agencyKey],
    ]
    /// The roles of issue 17: admin, commune officer, facility staff, partner, agency key, auditor.
    static let allCallers: [Caller] = [
        .account("admin1"), .account("commune00004"), .account("facility1"), .account("partner1"), .agencyKey, .account("auditor1"),
    ]

    /// Operations that would end the caller's own session or change its password mid-run.
    static let excluded = ["/v1/auth/logout", "/v1/auth/password", "/v1/auth/token"]

    @Test(arguments: ["registry", "treatment", "referrals", "statistics"])
    func everyOperationAnswersAsDocumented(_ name: String) async throws {
        try await PeopleTests.withRegistry("fuzz_\(name)") { registry, tokens, database in
            var callerTokens = tokens
            for username in ["facility1", "partner1"] { callerTokens[username] = try await registry.signIn(username) }
            let key = try await registry.call(
                .post, "/v1/api-keys", token: tokens["admin1"], json: #"{"label":"Tổng cục Thống kê","purpose":"fuzzing","areaCode":"national"}"#)
            callerTokens["agency key"] = try #require(key.json["key"] as? String, "\(key.body)")
            let allTokens = callerTokens
            // Someone to find: a person on record in the officers' commune.
            #expect(try await registry.call(.post, "/v1/people", token: tokens["commune00004"], json: PeopleTests.anh).status == 201)

            try await ServiceHarness.withService(try ServiceHarness.descriptor(named: name), database: database, live: true) { service in
                let port = try #require(service.port)
                // The document is public, but a credential this service does not take (an agency
                // key at the registry) is refused even there: schemathesis reads it from a file.
                let document = FileManager.default.temporaryDirectory.appending(path: "openapi-\(name)-\(UUID()).json")
                try Data(try await service.call(.get, "/openapi.json").body.utf8).write(to: document)
                defer { try? FileManager.default.removeItem(at: document) }
                var generated = 0
                for caller in Self.everyCaller ? Self.allCallers : Self.callers[name] ?? [] {
                    let token = try #require(allTokens[caller.description])
                    let run = try await Self.schemathesis(document: document.path, port: port, token: token)
                    #expect(run.status == 0, "\(name) as \(caller): schemathesis exited \(run.status)\n\(run.output.suffix(6000))")
                    #expect(run.generated > 0, "\(name) as \(caller): no test cases reported\n\(run.output.suffix(2000))")
                    generated += run.generated
                    print("fuzz \(name) as \(caller): \(run.generated) requests generated, \(run.passed) passed")
                }
                #expect(generated >= 1000, "\(name): only \(generated) requests generated")
            }
        }
    }

    struct Run {
        let status: Int32
        let output: String
        let generated: Int
        let passed: Int
    }

    /// Runs schemathesis with the OpenAPI `document` against the service on `port` as the bearer
    /// of `token`, waiting without holding a thread (the service answers from this process).
    static func schemathesis(document: String, port: Int, token: String) async throws -> Run {
        var arguments = [
            "python3", "-m", "schemathesis.cli", "run", document, "--url", "http://127.0.0.1:\(port)",
            "--header", "Authorization: Bearer \(token)",
            "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
            "--max-examples", String(examples), "--workers", "1", "--no-color", "--suppress-health-check", "all",
        ]
        for path in excluded { arguments += ["--exclude-path", path] }
        if let seed { arguments += ["--seed", seed] }
        let run = try await CommandRun.awaiting(arguments)
        let output = run.standardOutput + run.standardError
        // "Test cases:\n  2739 generated, 2739 passed" (or "..., 3 found 1 unique failures").
        var generated = 0
        var passed = 0
        if let line = output.split(separator: "\n").last(where: { $0.contains(" generated") }) {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "," })
            for (index, word) in words.enumerated() where index > 0 {
                if word == "generated" { generated = Int(words[index - 1]) ?? 0 }
                if word == "passed" { passed = Int(words[index - 1]) ?? 0 }
            }
        }
        return Run(status: run.status, output: output, generated: generated, passed: passed)
    }
}
