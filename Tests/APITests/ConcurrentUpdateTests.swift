import Foundation
import HTTPTypes
import TestSupport
import Testing

/// Many clients changing one person at once, each reading, changing and writing back with
/// `If-Match`: a write based on a version someone else replaced is refused (412) and retried on
/// the new one, so no client's change is lost and every version is in the history.
@Suite("Concurrent updates of one record", .timeLimit(.minutes(2)))
struct ConcurrentUpdateTests {
    @Test func manyClientsWithIfMatchLoseNoUpdate() async throws {
        try await PeopleTests.withRegistry("concurrent_update") { registry, tokens, _ in
            let officer = tokens["commune00004"]
            let id = try PeopleTests.id(try await registry.call(.post, "/v1/people", token: officer, json: PeopleTests.anh))
            let path = "/v1/people/\(id)"
            let clients = 16
            let refusals = try await withThrowingTaskGroup(of: Int.self) { group in
                for client in 0..<clients {
                    group.addTask {
                        var refused = 0
                        while true {
                            let current = try await registry.call(.get, path, token: officer)
                            let version = try #require(current.headers[.eTag], "\(current.status)")
                            let notes = (current.json["notes"] as? String).map { $0 + " " } ?? ""
                            let written = try await registry.call(
                                .patch, path, token: officer, json: #"{"notes":"\#(notes)c\#(client)."}"#, headers: [.ifMatch: version])
                            if written.status == 200 { return refused }
                            #expect(written.status == 412, "\(written.status) \(written.body)")
                            guard written.status == 412, refused < 200 else { return refused }
                            refused += 1
                        }
                    }
                }
                return try await group.reduce(0, +)
            }
            let final = try await registry.call(.get, path, token: officer)
            let marks = Set((final.json["notes"] as? String ?? "").split(separator: " ").map(String.init))
            #expect(marks == Set((0..<clients).map { "c\($0)." }), "\(final.json["notes"] ?? "")")
            #expect(final.headers[.eTag] == "\"\(clients + 1)\"")
            let history = try await registry.call(.get, "\(path)/history", token: officer)
            #expect((history.json["items"] as? [[String: Any]])?.count == clients + 1)
            print("concurrent updates: \(clients) clients, \(refusals) writes refused as stale and retried, none lost")
        }
    }
}
