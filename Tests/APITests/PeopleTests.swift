import Foundation
import HTTPTypes
import Postgres
import Registry
import ServiceKit
import TestSupport
import Testing

/// People in the registry, through the HTTP API against a real database.
@Suite("Registry: people", .timeLimit(.minutes(4)))
struct PeopleTests {
    /// A registry with seeded staff; `tokens` by username.
    static func withRegistry(
        _ label: String, environment: [String: String] = [:],
        _ body: @Sendable (ServiceClient, [String: String], TestDatabase) async throws -> Void
    ) async throws {
        try await withTestDatabase(label) { database in
            try await ServiceHarness.withService(RegistryService.descriptor, database: database, environment: environment) { registry in
                try await StaffSeed.insert(into: database)
                var tokens: [String: String] = [:]
                for username in ["admin1", "commune00004", "commune00097", "province01", "province79", "auditor1"] {
                    tokens[username] = try await registry.signIn(username)
                }
                try await body(registry, tokens, database)
            }
        }
    }

    static let anh =
        #"{"fullName":"Nguyễn Thị Ánh Tuyết","birthDate":"1995-02-14","sex":"female","nationalId":"001195012345","ethnicity":"Kinh","phone":"0912345678","residence":{"communeCode":"00004","address":"5 Hàng Bún, Ba Đình"},"substances":["methamphetamine"]}"#

    static func id(_ reply: ServiceClient.Reply) throws -> String {
        try #require(reply.headers[.location]?.split(separator: "/").last.map(String.init), "\(reply.status) \(reply.body)")
    }

    static func events(_ database: TestDatabase, type: String) async throws -> [String] {
        let admin = try await database.connect()
        let rows = try await admin.query("SELECT payload::text FROM bus.events WHERE type = \(type) ORDER BY xid, id")
        await admin.close()
        return try rows.map { try $0.decode(String.self, at: 0) }
    }

    @Test func namesRoundTripExactlyAndAreFoundWithOrWithoutDiacritics() async throws {
        try await Self.withRegistry("people_search") { registry, tokens, _ in
            let created = try await registry.call(.post, "/v1/people", token: tokens["commune00004"], json: Self.anh)
            #expect(created.status == 201)
            let id = try Self.id(created)
            // Ids are written in lower case everywhere: in bodies as in Location.
            #expect(id == id.lowercased() && created.json["id"] as? String == id, "\(created.body)")
            let read = try await registry.call(.get, "/v1/people/\(id)", token: tokens["commune00004"])
            #expect(read.json["fullName"] as? String == "Nguyễn Thị Ánh Tuyết")
            #expect(read.json["id"] as? String == id)
            #expect(read.headers[.eTag] == #""1""#)
            for query in ["nguyen%20thi%20anh%20tuyet", "Nguy%E1%BB%85n%20Th%E1%BB%8B", "ANH%20TUYET", "anh%20tuy"] {
                let found = try await registry.call(.get, "/v1/people?q=\(query)", token: tokens["commune00004"])
                #expect((found.json["items"] as? [[String: Any]])?.count == 1, "q=\(query)")
            }
            let byNationalID = try await registry.call(.get, "/v1/people?nationalId=001195012345", token: tokens["province01"])
            #expect((byNationalID.json["items"] as? [[String: Any]])?.count == 1)
            // Born 1995: 30 or 31 in 2026.
            let byAge = try await registry.call(.get, "/v1/people?ageBand=30%2B", token: tokens["province01"])
            #expect((byAge.json["items"] as? [[String: Any]])?.count == 1)
            let none = try await registry.call(.get, "/v1/people?ageBand=18-29", token: tokens["province01"])
            #expect((none.json["items"] as? [[String: Any]])?.count == 0)
            // Out of jurisdiction: not found, not listed.
            #expect(try await registry.call(.get, "/v1/people/\(id)", token: tokens["commune00097"]).status == 404)
            #expect(try await registry.call(.get, "/v1/people/\(id)", token: tokens["province79"]).status == 404)
            let elsewhere = try await registry.call(.get, "/v1/people?q=nguyen", token: tokens["commune00097"])
            #expect((elsewhere.json["items"] as? [[String: Any]])?.count == 0)
            let bad = try await registry.call(.get, "/v1/people?q=x&ageBand=old&limit=0", token: tokens["province01"])
            #expect(bad.status == 422)
            #expect(bad.body.contains("?q") && bad.body.contains("?ageBand") && bad.body.contains("?limit"))
        }
    }

    @Test func cursorPagesAreStableAndComplete() async throws {
        try await Self.withRegistry("people_pages") { registry, tokens, _ in
            for index in 0..<7 {
                let reply = try await registry.call(
                    .post, "/v1/people", token: tokens["commune00004"],
                    json: #"{"fullName":"Trần Văn Bình \#(index)","birthYear":\#(1980 + index),"sex":"male","residence":{"communeCode":"00004"}}"#)
                #expect(reply.status == 201)
            }
            var seen: [String] = []
            var next: String?
            repeat {
                let cursor = next.map { "&after=\($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)" } ?? ""
                let page = try await registry.call(.get, "/v1/people?q=tran%20van%20binh&limit=3\(cursor)", token: tokens["commune00004"])
                seen += (page.json["items"] as? [[String: Any]] ?? []).compactMap { $0["fullName"] as? String }
                next = page.json["next"] as? String
            } while next != nil
            #expect(seen == (0..<7).map { "Trần Văn Bình \($0)" })
        }
    }

    @Test func invalidInputIsRefusedFieldByFieldAndWritesNothing() async throws {
        try await Self.withRegistry("people_invalid") { registry, tokens, database in
            let reply = try await registry.call(
                .post, "/v1/people", token: tokens["commune00004"],
                json:
                    #"{"fullName":"","birthDate":"1995-13-01","sex":"x","nationalId":"00109512345","phone":"abc","substances":["sugar"],"residence":{},"nickname":"A"}"#
            )
            #expect(reply.status == 422)
            #expect(reply.contentType == "application/problem+json")
            let pointers = Set((reply.json["errors"] as? [[String: Any]] ?? []).compactMap { $0["pointer"] as? String })
            #expect(
                pointers.isSuperset(of: [
                    "/fullName", "/birthDate", "/sex", "/nationalId", "/phone", "/substances/0", "/residence/communeCode", "/nickname",
                ]))
            // A CCCD that contradicts sex or birth year.
            let wrongSex = try await registry.call(
                .post, "/v1/people", token: tokens["commune00004"],
                json: #"{"fullName":"Phạm Văn Cường","birthYear":1990,"sex":"male","nationalId":"001190123456","residence":{"communeCode":"00004"}}"#)
            #expect(wrongSex.status == 422)
            #expect(wrongSex.body.contains("says female"))
            let unknownCommune = try await registry.call(
                .post, "/v1/people", token: tokens["commune00004"],
                json: #"{"fullName":"Phạm Văn Cường","birthYear":1990,"sex":"male","residence":{"communeCode":"99999"}}"#)
            #expect(unknownCommune.status == 422)
            // A commune officer registers only in their own commune.
            let foreign = try await registry.call(
                .post, "/v1/people", token: tokens["commune00004"],
                json: #"{"fullName":"Phạm Văn Cường","birthYear":1990,"sex":"male","residence":{"communeCode":"00097"}}"#)
            #expect(foreign.status == 403)
            for body in ["[]", "not json", #"{"fullName":5}"#] {
                let odd = try await registry.call(.post, "/v1/people", token: tokens["commune00004"], json: body)
                #expect([400, 422].contains(odd.status), "\(body)")
            }
            // A body not sent as JSON (or sent without saying what it is) answers 415, whatever it holds.
            for type in ["text/plain", "application/x-www-form-urlencoded", nil] {
                var headers: HTTPFields = [:]
                headers[.contentType] = type ?? ""
                let wrongType = try await registry.call(.post, "/v1/people", token: tokens["commune00004"], json: Self.anh, headers: headers)
                #expect(wrongType.status == 415, "\(type ?? "no type"): \(wrongType.body)")
                #expect(wrongType.contentType == "application/problem+json")
            }
            let csvForJSON = try await registry.call(.post, "/v1/people/imports", token: tokens["commune00004"], json: "full_name,sex,commune_code")
            #expect(csvForJSON.status == 415)
            // Query parameters an operation does not take are refused, each named.
            let unknownQuery = try await registry.call(.get, "/v1/people?q=nguyen&sort=name&page=2", token: tokens["commune00004"])
            #expect(unknownQuery.status == 422, "\(unknownQuery.body)")
            let queryPointers = (unknownQuery.json["errors"] as? [[String: Any]] ?? []).compactMap { $0["pointer"] as? String }
            #expect(queryPointers == ["?page", "?sort"])
            #expect(try await registry.call(.get, "/v1/people/\(UUID())?x=1", token: tokens["commune00004"]).status == 422)
            // Bodies decoded into a type refuse fields it does not have, as the others do.
            let extra = try await registry.call(.post, "/v1/auth/token", json: #"{"username":"commune00004","password":"x","remember":true}"#)
            #expect(extra.status == 422, "\(extra.body)")
            #expect((extra.json["errors"] as? [[String: Any]])?.first?["pointer"] as? String == "/remember")
            let admin = try await database.connect()
            #expect(try await admin.query("SELECT count(*) FROM registry.people")[0].decode(Int.self, at: 0) == 0)
            #expect(try await admin.query("SELECT count(*) FROM bus.events")[0].decode(Int.self, at: 0) == 0)
            await admin.close()
        }
    }

    @Test func aDuplicateNationalIDIsRefusedWithALinkAndALikelyDuplicateNeedsConfirmation() async throws {
        try await Self.withRegistry("people_duplicates") { registry, tokens, database in
            let first = try await registry.call(.post, "/v1/people", token: tokens["commune00004"], json: Self.anh)
            let id = try Self.id(first)
            let again = try await registry.call(.post, "/v1/people", token: tokens["province01"], json: Self.anh)
            #expect(again.status == 409)
            #expect(again.headers[.location] == "/v1/people/\(id)")
            #expect(again.json["type"] as? String == "https://recovery.gov.vn/problems/duplicate-national-id")
            // Same name and birth date in the province, no national id: a warning to confirm.
            let similar = #"{"fullName":"Nguyen Thi Anh Tuyet","birthDate":"1995-02-14","sex":"female","residence":{"communeCode":"00097"}}"#
            let warned = try await registry.call(.post, "/v1/people", token: tokens["province01"], json: similar)
            #expect(warned.status == 409)
            #expect(warned.json["type"] as? String == "https://recovery.gov.vn/problems/possible-duplicate")
            #expect(warned.body.contains(id))
            let confirmed = try await registry.call(
                .post, "/v1/people", token: tokens["province01"],
                json: String(similar.dropLast()) + #","confirmPossibleDuplicate":true}"#)
            #expect(confirmed.status == 201)
            // One event per successful registration; none for the refused ones.
            #expect(try await Self.events(database, type: "registry.person.registered").count == 2)
        }
    }

    /// Duplicates are caught nationally, but an officer learns nothing of a person outside their
    /// jurisdiction beyond that they are registered (no id, no commune), and each such match is on
    /// the audit trail naming the person.
    @Test func aMatchOutsideTheCallersJurisdictionDisclosesNoIdAndIsAudited() async throws {
        try await Self.withRegistry("people_oracle") { registry, tokens, _ in
            let id = try Self.id(try await registry.call(.post, "/v1/people", token: tokens["commune00004"], json: Self.anh))
            let elsewhere = Self.anh.replacingOccurrences(of: #""communeCode":"00004""#, with: #""communeCode":"00097""#)
            let taken = try await registry.call(.post, "/v1/people", token: tokens["commune00097"], json: elsewhere)
            #expect(taken.status == 409)
            #expect(taken.json["type"] as? String == "https://recovery.gov.vn/problems/registered-elsewhere")
            #expect(taken.headers[.location] == nil && !taken.body.lowercased().contains(id) && !taken.body.contains("00004"), "\(taken.body)")
            // A change to the same national id on one's own person: the same answer.
            let own = try Self.id(
                try await registry.call(
                    .post, "/v1/people", token: tokens["commune00097"],
                    json: #"{"fullName":"Trần Văn Bình","birthYear":1990,"sex":"male","residence":{"communeCode":"00097"}}"#))
            let changed = try await registry.call(
                .patch, "/v1/people/\(own)", token: tokens["commune00097"],
                json: #"{"nationalId":"001195012345","sex":"female","birthDate":"1995-02-14"}"#,
                headers: [.ifMatch: "\"1\""])
            #expect(changed.status == 409 && changed.json["type"] as? String == "https://recovery.gov.vn/problems/registered-elsewhere")
            #expect(changed.headers[.location] == nil && !changed.body.lowercased().contains(id), "\(changed.body)")
            // A likely duplicate by name elsewhere in the province: counted, not named.
            let similar = #"{"fullName":"Nguyen Thi Anh Tuyet","birthDate":"1995-02-14","sex":"female","residence":{"communeCode":"00097"}}"#
            let warned = try await registry.call(.post, "/v1/people", token: tokens["commune00097"], json: similar)
            #expect(warned.status == 409 && warned.json["type"] as? String == "https://recovery.gov.vn/problems/possible-duplicate")
            #expect(!warned.body.lowercased().contains(id) && warned.body.contains("elsewhere in the province (1)"), "\(warned.body)")
            // An import with that national id: counted as existing, nothing created, the match audited.
            let csv = "full_name,sex,birth_date,national_id,commune_code\nNguyễn Thị Ánh Tuyết,female,1995-02-14,001195012345,00097\n"
            let imported = try await registry.call(.post, "/v1/people/imports", token: tokens["commune00097"], csv: csv)
            #expect(imported.status == 200 && imported.json["existing"] as? Int == 1 && !imported.body.lowercased().contains(id), "\(imported.body)")
            let trail = try await registry.call(.get, "/v1/audit?personId=\(id)", token: tokens["auditor1"])
            let matches = (trail.json["items"] as? [[String: Any]] ?? []).filter { $0["action"] as? String == "match" }.map {
                "\($0["actorLabel"] as? String ?? "?") \($0["outcome"] as? String ?? "?") \(($0["detail"] as? [String: String])?["matchedBy"] ?? "?")"
            }
            #expect(
                matches == [
                    "commune00097 denied nationalId", "commune00097 denied nationalId", "commune00097 denied name-and-birth-year",
                    "commune00097 denied nationalId",
                ], "\(trail.body)")
        }
    }

    @Test func aRetriedCreateWithTheSameIdempotencyKeyCreatesOnce() async throws {
        try await Self.withRegistry("people_idempotent") { registry, tokens, database in
            let key: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "create-7f3a"]
            let first = try await registry.call(.post, "/v1/people", token: tokens["commune00004"], json: Self.anh, headers: key)
            let retry = try await registry.call(.post, "/v1/people", token: tokens["commune00004"], json: Self.anh, headers: key)
            #expect(first.status == 201)
            #expect(retry.status == 201)
            #expect(retry.headers[.location] == first.headers[.location])
            #expect(retry.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            #expect(retry.json["id"] as? String == first.json["id"] as? String)
            let other = try await registry.call(
                .post, "/v1/people", token: tokens["commune00004"], json: Self.anh.replacingOccurrences(of: "Tuyết", with: "Tuyet"), headers: key)
            #expect(other.status == 422)
            let admin = try await database.connect()
            #expect(try await admin.query("SELECT count(*) FROM registry.people")[0].decode(Int.self, at: 0) == 1)
            await admin.close()
            #expect(try await Self.events(database, type: "registry.person.registered").count == 1)
        }
    }

    @Test func updatesNeedTheCurrentVersionAndAreKeptInTheHistory() async throws {
        try await Self.withRegistry("people_update") { registry, tokens, database in
            let id = try Self.id(try await registry.call(.post, "/v1/people", token: tokens["commune00004"], json: Self.anh))
            let path = "/v1/people/\(id)"
            #expect(try await registry.call(.patch, path, token: tokens["commune00004"], json: #"{"occupation":"thợ may"}"#).status == 428)
            let updated = try await registry.call(
                .patch, path, token: tokens["commune00004"], json: #"{"occupation":"thợ may","phone":null}"#, headers: [.ifMatch: #""1""#])
            #expect(updated.status == 200)
            #expect(updated.headers[.eTag] == #""2""#)
            #expect(updated.json["occupation"] as? String == "thợ may")
            #expect(updated.json["phone"] == nil)
            let stale = try await registry.call(
                .patch, path, token: tokens["province01"], json: #"{"occupation":"nông dân"}"#, headers: [.ifMatch: #""1""#])
            #expect(stale.status == 412)
            #expect(
                try await registry.call(.patch, path, token: tokens["commune00097"], json: #"{"notes":"x"}"#, headers: [.ifMatch: #""2""#]).status
                    == 404)
            let history = try await registry.call(.get, "\(path)/history", token: tokens["province01"])
            let items = history.json["items"] as? [[String: Any]] ?? []
            #expect(items.map { $0["action"] as? String } == ["create", "update"])
            let changes = items.last?["changes"] as? [String: [String: Any]] ?? [:]
            #expect(Set(changes.keys) == ["occupation", "phone"])
            #expect(changes["phone"]?["old"] as? String == "0912345678")
            #expect(changes["occupation"]?["new"] as? String == "thợ may")
            #expect(items.last?["changedBy"] as? String == "commune00004")
            let changed = try await Self.events(database, type: "registry.person.changed")
            #expect(changed.count == 1)
            #expect(changed[0].contains(#""fields": ["occupation", "phone"]"#))
            #expect(!changed[0].contains("0912345678") && !changed[0].contains("thợ may"))
        }
    }

    @Test func aMoveHandsThePersonOverToTheNewCommune() async throws {
        try await Self.withRegistry("people_move") { registry, tokens, database in
            let id = try Self.id(try await registry.call(.post, "/v1/people", token: tokens["commune00004"], json: Self.anh))
            #expect(try await registry.call(.get, "/v1/people/\(id)", token: tokens["commune00097"]).status == 404)
            let today = CalendarDate.today()
            let tooEarly = try await registry.call(
                .post, "/v1/people/\(id)/moves", token: tokens["commune00004"], json: #"{"communeCode":"00097","date":"\#(today)"}"#)
            #expect(tooEarly.status == 422)
            let admin = try await database.connect()
            try await admin.query("UPDATE registry.people SET residence_since = '2024-01-01' WHERE id = \(UUID(uuidString: id)!)")
            try await admin.query("UPDATE registry.residences SET from_date = '2024-01-01' WHERE person_id = \(UUID(uuidString: id)!)")
            let moved = try await registry.call(
                .post, "/v1/people/\(id)/moves", token: tokens["commune00004"],
                json: #"{"communeCode":"00097","address":"20 Phúc Xá","date":"2026-01-15"}"#)
            #expect(moved.status == 204)
            // Seen from both communes: the new one has the person, the old one no longer.
            #expect(try await registry.call(.get, "/v1/people/\(id)", token: tokens["commune00004"]).status == 404)
            let seen = try await registry.call(.get, "/v1/people/\(id)", token: tokens["commune00097"])
            #expect(seen.status == 200)
            #expect((seen.json["residence"] as? [String: Any])?["communeCode"] as? String == "00097")
            #expect(((try await registry.call(.get, "/v1/people", token: tokens["commune00004"])).json["items"] as? [Any])?.count == 0)
            #expect(((try await registry.call(.get, "/v1/people", token: tokens["commune00097"])).json["items"] as? [Any])?.count == 1)
            let residences = try await admin.query(
                """
                SELECT commune_code, from_date::text, to_date::text FROM registry.residences WHERE person_id = \(UUID(uuidString: id)!) ORDER BY from_date
                """
            ).map { try $0.decode((String, String, String?).self) }
            #expect(residences.map { "\($0.0) \($0.1) \($0.2 ?? "-")" } == ["00004 2024-01-01 2026-01-14", "00097 2026-01-15 -"])
            await admin.close()
            // The new commune changes the record; the old one keeps seeing only what it wrote.
            let changed = try await registry.call(
                .patch, "/v1/people/\(id)", token: tokens["commune00097"], json: #"{"occupation":"bốc vác"}"#,
                headers: [.ifMatch: try #require(seen.headers[.eTag])])
            #expect(changed.status == 200)
            let oldView = try await registry.call(.get, "/v1/people/\(id)/history", token: tokens["commune00004"])
            #expect(oldView.status == 200)
            #expect((oldView.json["items"] as? [[String: Any]])?.compactMap { $0["action"] as? String } == ["create", "move"])
            let newView = try await registry.call(.get, "/v1/people/\(id)/history", token: tokens["commune00097"])
            #expect((newView.json["items"] as? [[String: Any]])?.compactMap { $0["action"] as? String } == ["create", "move", "update"])
            #expect(try await registry.call(.get, "/v1/people/\(id)/history", token: tokens["province79"]).status == 404)
            let events = try await Self.events(database, type: "registry.person.moved")
            #expect(events.count == 1)
            #expect(events[0].contains(#""fromCommuneCode": "00004""#) && events[0].contains(#""toCommuneCode": "00097""#))
        }
    }

    @Test func theStatusOnAnyPastDateIsAnswered() async throws {
        try await Self.withRegistry("people_status") { registry, tokens, database in
            var body = Self.anh
            body.removeLast()
            body += #","management":{"decisionDate":"2025-01-10","decisionNumber":"07/QĐ-UBND"}}"#
            let id = try Self.id(try await registry.call(.post, "/v1/people", token: tokens["commune00004"], json: body))
            func status(on day: String) async throws -> String? {
                let reply = try await registry.call(.get, "/v1/people/\(id)/status?on=\(day)", token: tokens["commune00004"])
                #expect(reply.status == 200)
                return reply.json["status"] as? String
            }
            #expect(try await status(on: "2025-01-09") == nil)
            #expect(try await status(on: "2025-01-10") == "drug_user")
            #expect(try await status(on: "2026-01-09") == "drug_user")
            // One year after the decision, management lapses unless renewed.
            #expect(try await status(on: "2026-01-10") == nil)
            let renewed = try await registry.call(
                .post, "/v1/people/\(id)/statuses", token: tokens["commune00004"],
                json: #"{"status":"drug_user","validFrom":"2026-02-01","decisionNumber":"3/QĐ"}"#)
            #expect(renewed.status == 201)
            #expect(renewed.json["validTo"] as? String == "2027-02-01")
            let ended = try await registry.call(
                .post, "/v1/people/\(id)/statuses", token: tokens["commune00004"], json: #"{"status":"management_ended","validFrom":"2026-06-01"}"#)
            #expect(ended.status == 201)
            #expect(try await status(on: "2026-03-01") == "drug_user")
            #expect(try await status(on: "2026-06-01") == "management_ended")
            #expect(try await status(on: "2025-06-30") == "drug_user")
            let earlier = try await registry.call(
                .post, "/v1/people/\(id)/statuses", token: tokens["commune00004"], json: #"{"status":"drug_user","validFrom":"2026-01-01"}"#)
            #expect(earlier.status == 422)
            let notAllowed = try await registry.call(
                .post, "/v1/people/\(id)/statuses", token: tokens["commune00004"], json: #"{"status":"in_treatment","validFrom":"2026-07-01"}"#)
            #expect(notAllowed.status == 422)
            #expect(try await Self.events(database, type: "registry.person.status_changed").count == 3)
        }
    }

    @Test func eventsCarryNoPersonalData() async throws {
        try await Self.withRegistry("people_events") { registry, tokens, database in
            _ = try await registry.call(.post, "/v1/people", token: tokens["commune00004"], json: Self.anh)
            let admin = try await database.connect()
            let payloads = try await admin.query("SELECT payload::text FROM bus.events").map { try $0.decode(String.self, at: 0) }
            await admin.close()
            #expect(payloads.count == 1)
            for secret in ["Nguyễn", "Tuyết", "001195012345", "0912345678", "Hàng Bún", "1995-02-14"] {
                #expect(!payloads[0].contains(secret), "\(secret)")
            }
            #expect(payloads[0].contains(#""birthYear": 1995"#))
        }
    }

    @Test func anAuditorFindsEveryReadOfAPerson() async throws {
        try await Self.withRegistry("people_audit") { registry, tokens, database in
            let id = try Self.id(try await registry.call(.post, "/v1/people", token: tokens["commune00004"], json: Self.anh))
            _ = try await registry.call(.get, "/v1/people/\(id)", token: tokens["commune00004"])
            _ = try await registry.call(.get, "/v1/people/\(id)", token: tokens["province01"])
            _ = try await registry.call(.get, "/v1/people?q=tuyet", token: tokens["province01"])
            _ = try await registry.call(.get, "/v1/people/\(id)/history", token: tokens["admin1"])
            _ = try await registry.call(.get, "/v1/people/\(id)", token: tokens["commune00097"])
            let trail = try await registry.call(.get, "/v1/audit?personId=\(id)", token: tokens["auditor1"])
            let entries = (trail.json["items"] as? [[String: Any]] ?? []).map {
                "\($0["actorLabel"] as? String ?? "?") \($0["action"] as? String ?? "?") \($0["outcome"] as? String ?? "?")"
            }
            #expect(
                entries == [
                    "commune00004 create success", "commune00004 read success", "province01 read success", "province01 list success",
                    "admin1 read-history success", "commune00097 read denied",
                ])
        }
    }
}
