import EventBus
import Foundation
import ServiceKit
import Testing
import TestSupport

@Suite("docs/events.md")
struct EventCatalogueDocumentTests {
    @Test func theDocumentIsTheCataloguesOfAllServices() throws {
        let all = EventCatalogue(AccessMatrixTests.descriptors.flatMap(\.events.all))
        let expected = all.markdown()
        let path = TestDatabase.repositoryRoot.appending(path: "docs/events.md")
        if ProcessInfo.processInfo.environment["UPDATE_EVENT_DOCS"] == "1" {
            try FileManager.default.createDirectory(at: path.deletingLastPathComponent(), withIntermediateDirectories: true)
            try expected.write(to: path, atomically: true, encoding: .utf8)
        }
        let committed = try String(contentsOf: path, encoding: .utf8)
        #expect(committed == expected, "docs/events.md is out of date: run the tests with UPDATE_EVENT_DOCS=1")
        #expect(all.all.count >= 5)
    }
}
