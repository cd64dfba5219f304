import Foundation
import Postgres
import Referrals
import Registry
import ServiceKit
import Statistics
import TestSupport
import Testing
import Treatment

/// The data generator (`Benchmarks/generator/generate.py`) at its small size, against the four
/// services on real ports: it writes its whole history through their write paths without an
/// answer it did not expect; the registry and treatment hold what it says it wrote (people,
/// determinations, episodes by form), and the statistics count its determinations of every year.
@Suite("Data generator: a small history through the four services, counted by the statistics", .timeLimit(.minutes(5)))
struct GeneratorTests {
    @Test func aSmallHistoryGoesThroughEveryServiceAndTheStatisticsCountIt() async throws {
        try await withTestDatabase("generator") { database in
            try await ServiceHarness.withService(RegistryService.descriptor, database: database, live: true) { registry in
                _ = try await StaffSeed.insert(into: database)
                try await ServiceHarness.withService(TreatmentService.descriptor, database: database, live: true) { treatment in
                    try await ServiceHarness.withService(ReferralsService.descriptor, database: database, live: true) { referrals in
                        try await ServiceHarness.withService(StatisticsService.descriptor, database: database, live: true) { statistics in
                            let ports = try [registry, treatment, referrals, statistics].map { try #require($0.port) }
                            let run = try await Self.generate(ports: ports)
                            try #require(run.status == 0, "generate.py exited \(run.status)\n\(run.standardError.suffix(4000))")
                            let summary = try #require(
                                try JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [String: Any], "\(run.standardOutput)")
                            func count(_ name: String) -> Int { summary[name] as? Int ?? 0 }
                            #expect(count("people") == 40)
                            #expect(count("determinations") > 0 && count("episodes") > 0 && count("programmes") > 0, "\(summary)")

                            let owner = try await database.connect()
                            func rows(_ query: PostgresQuery) async throws -> Int {
                                try await owner.query(query).first?.decode(Int.self, at: 0) ?? -1
                            }
                            #expect(try await rows("SELECT count(*)::int FROM registry.people") == count("people"))
                            #expect(try await rows("SELECT count(*)::int FROM treatment.determinations") == count("determinations"))
                            for form in ["voluntary_community", "voluntary_facility", "compulsory", "methadone", "social_protection_centre"] {
                                #expect(
                                    try await rows("SELECT count(*)::int FROM treatment.episodes WHERE form = \(form)") == count("episodes_\(form)"),
                                    "\(form)")
                            }
                            await owner.close()

                            // The statistics count the determinations of each year at the country level.
                            let token = try await registry.signIn("admin1")
                            let today = try #require(summary["today"] as? String)
                            for year in 2022...Int(today.prefix(4))! {
                                let path = "/v1/indicators/determinations/values?from=\(year)-01-01&to=\(year)-12-31"
                                let expected = count("determinations_\(year)")
                                let reply = try await CaseTests.eventually(statistics, path, token: token) { reply in
                                    Self.total(reply) == expected
                                }
                                #expect(Self.total(reply) == expected, "\(year): \(reply.body)")
                            }
                        }
                    }
                }
            }
        }
    }

    /// The country's numerator among an indicator's values (its provinces' come with it).
    static func total(_ reply: ServiceClient.Reply) -> Int? {
        let items = (reply.json["items"] as? [[String: Any]]) ?? []
        return items.first { ($0["areaCode"] as? String) == "national" }?["numerator"] as? Int
    }

    /// Runs the generator at its small size against the services on `ports` (registry, treatment,
    /// referrals, statistics) as `admin1`.
    static func generate(ports: [Int]) async throws -> CommandRun {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var arguments = ["python3", root.appending(path: "Benchmarks/generator/generate.py").path, "--size", "small", "--user", "admin1"]
        for (name, port) in zip(["registry", "treatment", "referrals", "statistics"], ports) {
            arguments += ["--\(name)", "http://127.0.0.1:\(port)"]
        }
        return try await CommandRun.awaiting(arguments, environment: ["GENERATOR_PASSWORD": StaffSeed.password])
    }
}
