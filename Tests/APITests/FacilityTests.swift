import Foundation
import HTTPTypes
import Postgres
import Registry
import TestSupport
import Testing

@Suite("Registry: facilities", .timeLimit(.minutes(2)))
struct FacilityTests {
    @Test func adminsManageFacilitiesAndStaffAccountsMustNameARealOne() async throws {
        try await PeopleTests.withRegistry("facilities") { registry, tokens, database in
            let admin = tokens["admin1"]
            let created = try await registry.call(
                .post, "/v1/facilities", token: admin,
                json:
                    #"{"name":"Cơ sở cai nghiện ma túy số 2 Hà Nội","kind":"compulsory_treatment","provinceCode":"01","communeCode":"00004","capacity":1200}"#
            )
            #expect(created.status == 201)
            #expect(created.json["ownership"] as? String == "public")
            let id = try PeopleTests.id(created)
            let listed = try await registry.call(.get, "/v1/facilities?provinceCode=01&q=co%20so%20cai%20nghien", token: tokens["commune00004"])
            #expect((listed.json["items"] as? [[String: Any]])?.count == 1)
            let stale = try await registry.call(
                .patch, "/v1/facilities/\(id)", token: admin, json: #"{"capacity":1300}"#, headers: [.ifMatch: #""0""#])
            #expect(stale.status == 412)
            let changed = try await registry.call(
                .patch, "/v1/facilities/\(id)", token: admin, json: #"{"capacity":1300,"address":null}"#, headers: [.ifMatch: #""1""#])
            #expect(changed.status == 200)
            #expect(changed.json["capacity"] as? Int == 1300)
            let invalid = try await registry.call(
                .post, "/v1/facilities", token: admin, json: #"{"name":"","kind":"spa","provinceCode":"99","capacity":-1,"beds":3}"#)
            #expect(invalid.status == 422)
            let pointers = Set((invalid.json["errors"] as? [[String: Any]] ?? []).compactMap { $0["pointer"] as? String })
            #expect(pointers.isSuperset(of: ["/name", "/kind", "/capacity", "/beds"]))
            let elsewhere = try await registry.call(
                .post, "/v1/facilities", token: admin,
                json: #"{"name":"Trung tâm X","kind":"methadone_clinic","provinceCode":"79","communeCode":"00004"}"#)
            #expect(elsewhere.status == 422)
            #expect(elsewhere.body.contains("/communeCode"))
            // Accounts of facility staff name an existing facility; commune officers an existing commune.
            let staff = try await registry.call(
                .post, "/v1/accounts", token: admin,
                json:
                    #"{"username":"cs2.staff","displayName":"Nhân viên","role":"facility_staff","jurisdiction":{"kind":"facility","reference":"\#(id)"},"password":"Một mật khẩu dài 2026"}"#
            )
            #expect(staff.status == 201)
            let ghost = try await registry.call(
                .post, "/v1/accounts", token: admin,
                json:
                    #"{"username":"ghost.staff","displayName":"Nhân viên","role":"facility_staff","jurisdiction":{"kind":"facility","reference":"\#(UUID().uuidString.lowercased())"},"password":"Một mật khẩu dài 2026"}"#
            )
            #expect(ghost.status == 422)
            let noCommune = try await registry.call(
                .post, "/v1/accounts", token: admin,
                json:
                    #"{"username":"nowhere","displayName":"Cán bộ","role":"commune_officer","jurisdiction":{"kind":"commune","reference":"99999"},"password":"Một mật khẩu dài 2026"}"#
            )
            #expect(noCommune.status == 422)
            // Retiring keeps the facility (accounts and episodes refer to it), inactive.
            #expect(try await registry.call(.delete, "/v1/facilities/\(id)", token: admin).status == 204)
            #expect(try await registry.call(.delete, "/v1/facilities/\(id)", token: admin).status == 404)
            let retired = try await registry.call(.get, "/v1/facilities/\(id)", token: admin)
            #expect(retired.json["active"] as? Bool == false)
            let connection = try await database.connect()
            let events = try await connection.query("SELECT count(*) FROM bus.events WHERE type = 'registry.facility.saved'")[0].decode(
                Int.self, at: 0)
            #expect(events == 3)
            await connection.close()
        }
    }
}
