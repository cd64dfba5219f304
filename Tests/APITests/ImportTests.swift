import Foundation
import HTTPTypes
import Postgres
import Registry
import TestSupport
import Testing

@Suite("Registry: bulk import of people", .timeLimit(.minutes(3)))
struct ImportTests {
    static let example = TestDatabase.repositoryRoot.appending(path: "Services/Registry/examples/people-import.csv")

    /// An import takes CSV only (415 otherwise, whatever the body holds), and a file over
    /// `IMPORT_MAX_MB` is refused with 413 before anything is written.
    @Test func theMediaTypeAndTheSizeAreCheckedFirst() async throws {
        try await PeopleTests.withRegistry("import_limits", environment: ["IMPORT_MAX_MB": "1"]) { registry, tokens, database in
            let csv = "full_name,sex,birth_year,commune_code\nLê Văn An,male,1990,00004\n"
            let asJSON = try await registry.call(
                .post, "/v1/people/imports", token: tokens["commune00004"], csv: csv, headers: [.contentType: "application/json"])
            #expect(asJSON.status == 415, "\(asJSON.body)")
            let rows = String(repeating: "Lê Văn An,male,1990,00004\n", count: 40_000)
            let huge = try await registry.call(
                .post, "/v1/people/imports", token: tokens["commune00004"], csv: "full_name,sex,birth_year,commune_code\n" + rows)
            #expect(huge.status == 413 && huge.contentType == "application/problem+json", "\(huge.body)")
            #expect(huge.body.contains("at most 1 MiB"), "\(huge.body)")
            let admin = try await database.connect()
            #expect(try await admin.query("SELECT count(*) FROM registry.people")[0].decode(Int.self, at: 0) == 0)
            await admin.close()
        }
    }

    @Test func theExampleFileImportsAndAFileWithGoodAndBadRowsImportsOnceWhenSentTwice() async throws {
        try await PeopleTests.withRegistry("import") { registry, tokens, database in
            let example = try String(contentsOf: Self.example, encoding: .utf8)
            let first = try await registry.call(.post, "/v1/people/imports", token: tokens["commune00004"], csv: example)
            #expect(first.status == 200, "\(first.body)")
            #expect(first.json["created"] as? Int == 4)
            #expect(first.json["rejected"] as? Int == 0)

            let mixed = """
                full_name,sex,birth_year,birth_date,national_id,commune_code,substances
                Phạm Thị Lan,female,1990,,,00004,cannabis
                Võ Văn Tài,male,,1985-06-01,001085000777,00004,
                ,male,1990,,,00004,
                Đặng Văn Sơn,x,1990,,,00004,
                Bùi Văn Toàn,male,1990,,001190000001,00004,
                Đỗ Thị Hạnh,female,1992,,,99999,
                Ngô Văn Lộc,male,1991,,,00097,
                Dương Văn Nam,male,1987,,,00004,sugar
                Võ Văn Tài,male,,1985-06-01,001085000777,00004,
                Nguyễn Văn Hùng,male,,1988-03-21,001088004512,00004,
                """
            let report = try await registry.call(.post, "/v1/people/imports", token: tokens["commune00004"], csv: mixed)
            #expect(report.status == 200)
            #expect(report.json["rows"] as? Int == 10)
            #expect(report.json["created"] as? Int == 2)
            #expect(report.json["existing"] as? Int == 1)
            #expect(report.json["rejected"] as? Int == 7)
            let rejections = (report.json["rejections"] as? [[String: Any]] ?? []).map { rejection -> String in
                let problems = (rejection["problems"] as? [[String: Any]] ?? []).compactMap { $0["column"] as? String }
                return "\(rejection["line"] as? Int ?? 0):\(problems.joined(separator: ","))"
            }
            #expect(
                rejections == [
                    "4:full_name", "5:sex", "6:national_id", "7:commune_code", "8:commune_code", "9:substances", "10:national_id",
                ])
            // Sent again: nothing new.
            let again = try await registry.call(.post, "/v1/people/imports", token: tokens["commune00004"], csv: mixed)
            #expect(again.json["created"] as? Int == 0)
            #expect(again.json["existing"] as? Int == 3)
            let exampleAgain = try await registry.call(.post, "/v1/people/imports", token: tokens["commune00004"], csv: example)
            #expect(exampleAgain.json["created"] as? Int == 0)
            #expect(exampleAgain.json["existing"] as? Int == 4)

            let admin = try await database.connect()
            #expect(try await admin.query("SELECT count(*) FROM registry.people")[0].decode(Int.self, at: 0) == 6)
            #expect(
                try await admin.query("SELECT count(*) FROM bus.events WHERE type = 'registry.person.registered'")[0].decode(Int.self, at: 0) == 6)
            #expect(
                try await admin.query("SELECT count(*) FROM bus.events WHERE type = 'registry.person.status_changed'")[0].decode(Int.self, at: 0) == 1
            )
            let note = try await admin.query("SELECT notes FROM registry.people WHERE full_name = 'Trần Thị Mai'")[0].decode(String.self, at: 0)
            #expect(note == #"Ghi chú có dấu phẩy, và "ngoặc kép""#)
            await admin.close()
            // Imported people are found like any other, and their creation is in the history.
            let found = try await registry.call(.get, "/v1/people?q=lo%20van%20pao", token: tokens["commune00004"])
            let person = try #require((found.json["items"] as? [[String: Any]])?.first)
            #expect(person["fullName"] as? String == "Lò Văn Páo")
            let history = try await registry.call(.get, "/v1/people/\(person["id"] as! String)/history", token: tokens["commune00004"])
            #expect((history.json["items"] as? [[String: Any]])?.first?["action"] as? String == "import")

            let badHeader = try await registry.call(.post, "/v1/people/imports", token: tokens["commune00004"], csv: "name,sex\nA,male\n")
            #expect(badHeader.status == 422)
            #expect(badHeader.body.contains("header/name") && badHeader.body.contains("header/full_name"))
        }
    }
}
