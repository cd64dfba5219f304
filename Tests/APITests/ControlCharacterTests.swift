import Foundation
import HTTPTypes
import Postgres
import Referrals
import Registry
import TestSupport
import Testing

/// Text is kept exactly as sent or refused: NUL and other control characters (line breaks only
/// where a field may span lines) answer 422 naming the field, or in an import the row and column;
/// never a truncated value, never a 500.
@Suite("Control characters and malformed text", .timeLimit(.minutes(2)))
struct ControlCharacterTests {
    @Test func bodiesWithControlCharactersAreRefusedFieldByField() async throws {
        try await PeopleTests.withRegistry("control_bodies") { registry, tokens, database in
            let officer = tokens["commune00004"]
            let nul = try await registry.call(
                .post, "/v1/people", token: officer,
                json: #"{"fullName":"A\u0000B","birthYear":1990,"sex":"male","residence":{"communeCode":"00004","address":"Ng\u0007õ 5"}}"#)
            #expect(nul.status == 422, "\(nul.body)")
            #expect(nul.fieldProblems["/fullName"] == "must not contain control characters (U+0000)", "\(nul.body)")
            #expect(nul.fieldProblems["/residence/address"] == "must not contain control characters (U+0007)", "\(nul.body)")
            // A name on its own line breaks is refused too; notes may span lines and come back exactly.
            let newline = try await registry.call(
                .post, "/v1/people", token: officer, json: #"{"fullName":"A\nB","birthYear":1990,"sex":"male","residence":{"communeCode":"00004"}}"#)
            #expect(newline.fieldProblems["/fullName"] == "must not contain control characters (U+000A)", "\(newline.body)")
            let notes = try await registry.call(
                .post, "/v1/people", token: officer,
                json: #"{"fullName":"Lê Văn An","birthYear":1990,"sex":"male","notes":"dòng 1\n\tdòng 2","residence":{"communeCode":"00004"}}"#)
            #expect(notes.status == 201, "\(notes.body)")
            #expect(notes.json["notes"] as? String == "dòng 1\n\tdòng 2")
            // A facility named only NUL: 422, not 500.
            let facility = try await registry.call(
                .post, "/v1/facilities", token: tokens["admin1"],
                json: #"{"name":"\u0000","kind":"methadone_clinic","provinceCode":"01"}"#)
            #expect(facility.status == 422 && facility.fieldProblems["/name"] != nil, "\(facility.body)")
            // Bodies read by a Decodable type: accounts and API keys.
            let account = try await registry.call(
                .post, "/v1/accounts", token: tokens["admin1"],
                json:
                    #"{"username":"cb01","displayName":"C\u0000B","role":"auditor","jurisdiction":{"kind":"national"},"password":"a long enough passphrase 1"}"#
            )
            #expect(account.status == 422 && account.fieldProblems["/displayName"] != nil, "\(account.body)")
            let key = try await registry.call(
                .post, "/v1/api-keys", token: tokens["admin1"], json: #"{"label":"\u0000Cục","purpose":"p","areaCode":"01"}"#)
            #expect(key.status == 422 && key.fieldProblems["/label"] != nil, "\(key.body)")
            // Query parameters too.
            let search = try await registry.call(.get, "/v1/people?q=ng%00uyen", token: officer)
            #expect(search.status == 422 && search.fieldProblems["?q"] != nil, "\(search.body)")
            // Nothing of the refused requests was written.
            let admin = try await database.connect()
            let stored = try await admin.query("SELECT count(*) FROM registry.people")[0].decode(Int.self, at: 0)
            await admin.close()
            #expect(stored == 1)
        }
    }

    @Test func importRowsWithControlCharactersOrMalformedUTF8AreRejectedByRowAndColumn() async throws {
        try await PeopleTests.withRegistry("control_import") { registry, tokens, database in
            var csv = Array("full_name,sex,birth_year,commune_code,address,notes\n".utf8)
            csv += Array("Lê Văn An,male,1990,00004,,\"dòng 1\ndòng 2\"\n".utf8)
            csv += Array("Trần\u{0000}Bình,male,1991,00004,,\n".utf8)
            csv += Array("Phạm Văn Cường,male,1992,00004,".utf8) + [0x4E, 0x67, 0xF5, 0x20, 0x35] + Array(",\n".utf8)
            let report = try await registry.call(.post, "/v1/people/imports", token: tokens["commune00004"], csvBytes: csv)
            #expect(report.status == 200, "\(report.body)")
            #expect(report.json["created"] as? Int == 1 && report.json["rejected"] as? Int == 2, "\(report.body)")
            let rejections = (report.json["rejections"] as? [[String: Any]] ?? []).map { rejection -> String in
                let problems = (rejection["problems"] as? [[String: Any]] ?? []).map {
                    "\($0["column"] as? String ?? "?"): \($0["detail"] as? String ?? "?")"
                }
                return "line \(rejection["line"] as? Int ?? 0) " + problems.joined(separator: "; ")
            }
            #expect(
                rejections == [
                    "line 4 full_name: must not contain control characters (U+0000)",
                    "line 5 address: is not valid UTF-8 text (save the file as UTF-8)",
                ], "\(report.body)")
            let admin = try await database.connect()
            let names = try await admin.query("SELECT full_name, notes FROM registry.people").map { try $0.decode((String, String?).self) }
            await admin.close()
            #expect(names.map(\.0) == ["Lê Văn An"] && names.first?.1 == "dòng 1\ndòng 2")
        }
    }

    /// Beneath the checks, the client refuses to send a NUL rather than let libpq cut the text.
    @Test func theClientRefusesTextWithNULInsteadOfTruncatingIt() async throws {
        try await withTestDatabase("control_client") { database in
            let connection = try await database.connect()
            do {
                _ = try await connection.query("SELECT \("A\u{0000}B")::text")
                Issue.record("a NUL parameter was sent")
            } catch let error as PostgresError {
                #expect(error.code == .invalidParameter)
            }
            #expect(try await connection.query("SELECT \("A\tB")::text")[0].decode(String.self, at: 0) == "A\tB")
            await connection.close()
        }
    }
}
