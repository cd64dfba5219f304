import Access
import Foundation
import HTTPTypes
import Postgres
import Registry
import ServiceKit
import TestSupport
import Testing
import Treatment

@Suite("Sign-in, tokens, revocation and throttling", .timeLimit(.minutes(3)))
struct AuthenticationTests {
    @Test func tokenOpensEveryServiceAndMissingOrBadTokensGet401() async throws {
        try await withTestDatabase("auth_tokens") { database in
            try await ServiceHarness.withService(RegistryService.descriptor, database: database) { registry in
                try await StaffSeed.insert(into: database)
                let token = try await registry.signIn("commune00004")
                let me = try await registry.call(.get, "/v1/auth/me", token: token)
                #expect(me.status == 200)
                #expect(me.json["role"] as? String == "commune_officer")
                #expect((me.json["jurisdiction"] as? [String: Any])?["reference"] as? String == "00004")

                // Another service checks the same token itself, through the database.
                try await ServiceHarness.withService(TreatmentService.descriptor, database: database) { treatment in
                    #expect(try await treatment.call(.get, "/v1/auth/me", token: token).status == 200)
                    let missing = try await treatment.call(.get, "/v1/auth/me")
                    #expect(missing.status == 401)
                    #expect(missing.headers[.wwwAuthenticate] == #"Bearer realm="recovery""#)
                    #expect(missing.contentType == "application/problem+json")
                    let forged = try await treatment.call(.get, "/v1/auth/me", token: "rcs_" + String(repeating: "A", count: 43))
                    #expect(forged.status == 401)
                    #expect(forged.headers[.wwwAuthenticate]?.contains(#"error="invalid_token""#) == true)
                    let malformed = try await treatment.call(.get, "/v1/auth/me", headers: [.authorization: "Basic abc"])
                    #expect(malformed.status == 401)
                }
            }
        }
    }

    @Test func wrongPasswordsAreRefusedAlikeForKnownAndUnknownUsers() async throws {
        try await withTestDatabase("auth_wrong") { database in
            try await ServiceHarness.withService(RegistryService.descriptor, database: database) { registry in
                try await StaffSeed.insert(into: database)
                let known = try await registry.call(.post, "/v1/auth/token", json: #"{"username":"admin1","password":"not the password 1"}"#)
                let unknown = try await registry.call(.post, "/v1/auth/token", json: #"{"username":"nobody","password":"not the password 1"}"#)
                #expect(known.status == 401)
                #expect(unknown.status == 401)
                #expect(known.json["detail"] as? String == unknown.json["detail"] as? String)
                let empty = try await registry.call(.post, "/v1/auth/token", json: #"{"username":"admin1"}"#)
                #expect(empty.status == 422)
                #expect(empty.body.contains(#""pointer":"\/password""#) || empty.body.contains(#""pointer":"/password""#))
            }
        }
    }

    @Test func repeatedFailuresBlockTheUsernameWithAGrowingDelay() async throws {
        try await withTestDatabase("auth_throttle") { database in
            try await ServiceHarness.withService(RegistryService.descriptor, database: database) { registry in
                try await StaffSeed.insert(into: database)
                func failure() async throws -> Int {
                    try await registry.call(.post, "/v1/auth/token", json: #"{"username":"partner1","password":"guess guess 123"}"#).status
                }
                func rightPassword() async throws -> ServiceClient.Reply {
                    try await registry.call(.post, "/v1/auth/token", json: #"{"username":"partner1","password":"\#(StaffSeed.password)"}"#)
                }
                for _ in 0..<6 { #expect(try await failure() == 401) }
                // The sixth failure blocks the username for 1 s; each failure after a block doubles it. The
                // 1 s and 2 s blocks are waited out (a busy machine may take that long between two
                // requests); the 8 s one is wide enough to see even the right password wait.
                for seconds in [1, 2, 4] {
                    try await Task.sleep(for: .milliseconds(seconds * 1000 + 100))
                    #expect(try await failure() == 401, "after the \(seconds) s block")
                }
                let blocked = try await rightPassword()
                #expect(blocked.status == 429)
                #expect((5...8).contains(Int(blocked.headers[.retryAfter] ?? "") ?? 0), "\(blocked.headers)")
                // Other usernames are not affected.
                _ = try await registry.signIn("auditor1")
                // Once the block is over, the right password signs in.
                try await Task.sleep(for: .milliseconds(8100))
                _ = try await registry.signIn("partner1")
            }
        }
    }

    @Test func logoutDeactivationAndPasswordChangeRevokeTokensEverywhereWithinTheCacheLifetime() async throws {
        try await withTestDatabase("auth_revoke") { database in
            try await ServiceHarness.withService(RegistryService.descriptor, database: database) { registry in
                let ids = try await StaffSeed.insert(into: database)
                let admin = try await registry.signIn("admin1")
                let loggedOut = try await registry.signIn("commune00004")
                let deactivated = try await registry.signIn("facility1")
                let changed = try await registry.signIn("province01")
                // The treatment service caches token checks for 1 s here (at most 60 s in production).
                try await ServiceHarness.withService(TreatmentService.descriptor, database: database, environment: ["AUTH_CACHE_TTL_S": "1"]) {
                    treatment in
                    for token in [loggedOut, deactivated, changed] {
                        #expect(try await treatment.call(.get, "/v1/auth/me", token: token).status == 200)
                    }
                    #expect(try await registry.call(.post, "/v1/auth/logout", token: loggedOut).status == 204)
                    #expect(try await registry.call(.get, "/v1/auth/me", token: loggedOut).status == 401)

                    let account = try await registry.call(.get, "/v1/accounts/\(ids["facility1"]!)", token: admin)
                    let etag = try #require(account.headers[.eTag])
                    let patch = try await registry.call(
                        .patch, "/v1/accounts/\(ids["facility1"]!)", token: admin, json: #"{"active":false}"#, headers: [.ifMatch: etag])
                    #expect(patch.status == 200)

                    let change = try await registry.call(
                        .put, "/v1/auth/password", token: changed,
                        json: #"{"currentPassword":"\#(StaffSeed.password)","newPassword":"a new Passphrase 77"}"#)
                    #expect(change.status == 204)

                    try await Task.sleep(for: .milliseconds(1300))
                    for token in [loggedOut, deactivated, changed] {
                        #expect(try await treatment.call(.get, "/v1/auth/me", token: token).status == 401)
                    }
                    #expect(try await treatment.call(.get, "/v1/auth/me", token: admin).status == 200)
                    _ = try await registry.signIn("province01", password: "a new Passphrase 77")
                }
            }
        }
    }

    @Test func theCacheLifetimeCannotExceedSixtySeconds() async throws {
        let tooLong = await #expect(throws: ConfigurationError.self) {
            _ = try await ServiceConfiguration.load(service: TreatmentService.descriptor, environment: ["AUTH_CACHE_TTL_S": "61"])
        }
        #expect(tooLong?.variable == "AUTH_CACHE_TTL_S")
        let defaults = try await ServiceConfiguration.load(service: TreatmentService.descriptor, environment: [:])
        #expect(defaults.authCacheLifetime <= .seconds(60))
    }
}
