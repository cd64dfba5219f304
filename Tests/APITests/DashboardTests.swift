import Foundation
import HTTPTypes
import Postgres
import Registry
import ServiceKit
import Statistics
import TestSupport
import Testing
import Treatment

/// The statistics dashboard: signing in through the form (and what it refuses), and a province
/// officer's page in a real headless browser (Debian's chromium, `Tests/Browser/dashboard_check.py`)
/// whose figures equal the API's and which updates itself when a new determination is counted.
/// Screenshots go to `.build/dashboard-screenshots/` (or `DASHBOARD_SCREENSHOTS`).
@Suite("Statistics dashboard", .timeLimit(.minutes(3)))
struct DashboardTests {
    static let today = CalendarDate.today()
    static var year: Int { today.year }

    @Test func signInIsGuardedAndThePageShowsOnlyTheOfficersProvince() async throws {
        try await PeopleTests.withRegistry("dashboard_forms") { _, tokens, database in
            try await ServiceHarness.withService(StatisticsService.descriptor, database: database) { statistics in
                // Not signed in: every page leads to the form.
                let home = try await statistics.call(.get, "/dashboard/province?code=01")
                #expect(home.status == 303 && home.headers[.location]?.hasPrefix("/dashboard/sign-in") == true)
                let form = try await statistics.call(.get, "/dashboard/sign-in")
                #expect(form.status == 200 && form.contentType == "text/html; charset=utf-8")
                #expect(form.headers[HTTPField.Name("Content-Security-Policy")!]?.contains("script-src 'self'") == true)
                let formCookie = try #require(Self.cookie("statistics_sign_in", in: form))
                #expect(formCookie.attributes.contains("HttpOnly") && formCookie.attributes.contains("SameSite=Strict"))
                let token = try #require(Self.hidden("form", in: form.body))
                #expect(token == formCookie.value)

                func post(_ body: String, cookie: String?, origin: String? = nil) async throws -> ServiceClient.Reply {
                    var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
                    if let cookie { headers[.cookie] = cookie }
                    if let origin { headers[.origin] = origin }
                    return try await statistics.call(.post, "/dashboard/sign-in", untyped: body, headers: headers)
                }
                let password = StaffSeed.password.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                // Without the form's cookie, or from another site: refused before any password is checked.
                #expect(try await post("username=province01&password=\(password)&form=\(token)", cookie: nil).status == 403)
                #expect(
                    try await post(
                        "username=province01&password=\(password)&form=\(token)", cookie: "statistics_sign_in=\(token)",
                        origin: "https://elsewhere.example"
                    ).status == 403)
                // A wrong password, and a commune officer (right password, role not served).
                let wrong = try await post("username=province01&password=wrong&form=\(token)", cookie: "statistics_sign_in=\(token)")
                #expect(wrong.status == 401 && wrong.body.contains("không đúng"), "\(wrong.body)")
                let commune = try await post("username=commune00004&password=\(password)&form=\(token)", cookie: "statistics_sign_in=\(token)")
                #expect(commune.status == 403 && Self.cookie("statistics_session", in: commune) == nil)
                // The officer: a session cookie, HttpOnly and SameSite=Strict, scoped to the dashboard.
                let signedIn = try await post("username=Province01&password=\(password)&form=\(token)&lang=en", cookie: "statistics_sign_in=\(token)")
                #expect(signedIn.status == 303 && signedIn.headers[.location] == "/dashboard/province?lang=en", "\(signedIn.body)")
                let session = try #require(Self.cookie("statistics_session", in: signedIn))
                for attribute in ["HttpOnly", "SameSite=Strict", "Path=/dashboard", "Secure"] {
                    #expect(session.attributes.contains(attribute), "\(session.attributes)")
                }
                let cookie: HTTPFields = [.cookie: "statistics_session=\(session.value)"]
                let page = try await statistics.call(.get, "/dashboard/province?lang=en", headers: cookie)
                #expect(page.status == 200 && page.body.contains("id=\"overview\""), "\(page.body.prefix(500))")
                // Only the officer's own province is offered, and another one is refused.
                #expect(page.body.contains("<option value=\"01\" selected>") && !page.body.contains("<option value=\"79\""))
                #expect(try await statistics.call(.get, "/dashboard/province?code=79", headers: cookie).status == 403)
                #expect(try await statistics.call(.get, "/dashboard/updates?code=79", headers: cookie).status == 403)
                #expect(try await statistics.call(.get, "/dashboard/province?year=1999", headers: cookie).status == 422)
                // Signing out needs the page's form token; then the session no longer works anywhere.
                let formToken = try #require(Self.hidden("form", in: page.body))
                var signOut = cookie
                signOut[.contentType] = "application/x-www-form-urlencoded"
                #expect(try await statistics.call(.post, "/dashboard/sign-out", untyped: "form=forged", headers: signOut).status == 403)
                let out = try await statistics.call(.post, "/dashboard/sign-out", untyped: "form=\(formToken)", headers: signOut)
                #expect(out.status == 303 && Self.cookie("statistics_session", in: out)?.attributes.contains("Max-Age=0") == true)
                #expect(try await statistics.call(.get, "/dashboard/province", headers: cookie).status == 303)
                // A failure counts towards the registry's throttle; a blocked username is refused
                // by both doors (without a key derivation here).
                #expect(try await post("username=province79&password=wrong&form=\(token)", cookie: "statistics_sign_in=\(token)").status == 401)
                let admin = try await database.connect()
                let failures = try await admin.query("SELECT failures FROM registry.login_throttle WHERE username = 'province79'")
                #expect(try failures.first?.decode(Int.self, at: 0) == 1)
                try await admin.query(
                    "UPDATE registry.login_throttle SET blocked_until = now() + interval '60 seconds' WHERE username = 'province79'")
                await admin.close()
                let blocked = try await post("username=province79&password=\(password)&form=\(token)", cookie: "statistics_sign_in=\(token)")
                #expect(blocked.status == 429 && Int(blocked.headers[.retryAfter] ?? "") ?? 0 > 50, "\(blocked.status)")
                let registryToken = try await ServiceHarness.withService(RegistryService.descriptor, database: database) { registry in
                    try await registry.call(.post, "/v1/auth/token", json: #"{"username":"province79","password":"\#(StaffSeed.password)"}"#)
                }
                #expect(registryToken.status == 429, "\(registryToken.body)")
                // A dashboard session opens no API, and an API token opens no dashboard.
                let again = try await post("username=province01&password=\(password)&form=\(token)", cookie: "statistics_sign_in=\(token)")
                let dashboardToken = try #require(Self.cookie("statistics_session", in: again)?.value)
                #expect(dashboardToken.hasPrefix("rcd_"))
                #expect(try await statistics.call(.get, "/v1/indicators/table?year=2025", token: dashboardToken).status == 401)
                let apiToken = try #require(tokens["province01"])
                #expect(try await statistics.call(.get, "/dashboard/province", headers: [.cookie: "statistics_session=\(apiToken)"]).status == 303)
            }
        }
    }

    @Test func anOfficerSeesTheAPIsFiguresAndThePageUpdatesItself() async throws {
        try await PeopleTests.withRegistry("dashboard_browser") { registry, tokens, database in
            let commune = tokens["commune00004"]
            try await ServiceHarness.withService(TreatmentService.descriptor, database: database) { treatment in
                try await ServiceHarness.withService(StatisticsService.descriptor, database: database, live: true) { statistics in
                    let port = try #require(statistics.port)
                    func determine(_ person: String) async throws {
                        let reply = try await treatment.call(
                            .post, "/v1/people/\(person)/determinations", token: commune,
                            json: DeterminationTests.determination(Self.today.description, ["craving", "withdrawal", "tolerance"]))
                        #expect(reply.status == 201, "\(reply.body)")
                    }
                    let first = try PeopleTests.id(try await registry.call(.post, "/v1/people", token: commune, json: PeopleTests.anh))
                    try await determine(first)
                    let target = try await statistics.call(
                        .put, "/v1/targets/determinations/00004/\(Self.year)", token: tokens["province01"], json: #"{"minimum":2}"#)
                    #expect(target.status == 200, "\(target.body)")
                    let api = try await Self.communeValues(statistics, token: tokens["province01"], until: 1)

                    let shots = ProcessInfo.processInfo.environment["DASHBOARD_SCREENSHOTS"] ?? ".build/dashboard-screenshots"
                    let browser = try BrowserScript(
                        arguments: [
                            "http://localhost:\(port)", "province01", StaffSeed.password,
                            "code=01&year=\(Self.year)&indicator=determinations&lang=en", shots,
                        ])
                    defer { browser.stop() }
                    let shown = try await browser.nextLine()
                    let communes = try #require(shown["communes"] as? [String: [String: String]], "\(shown)")
                    // Every commune row the API gives is on the page with the same figures.
                    #expect(Set(communes.keys) == Set(api.keys), "page \(communes.keys.sorted()), API \(api.keys.sorted())")
                    for (code, row) in api {
                        #expect(communes[code]?["value"] == row.value, "\(code): page \(communes[code] ?? [:]), API \(row)")
                        #expect(communes[code]?["numerator"] == row.value)
                        #expect(communes[code]?["status"] == row.status, "\(code): \(communes[code] ?? [:])")
                        #expect(communes[code]?["target"] == (code == "00004" ? "≥ 2" : ""), "\(code): \(communes[code] ?? [:])")
                    }
                    let overview = try #require(shown["overview"] as? [String: [String: String]])
                    #expect(overview["determinations"]?["value"] == "1", "\(overview["determinations"] ?? [:])")
                    #expect(overview.count == StatisticsService.computedIndicatorIDs.count, "\(overview.keys.sorted())")
                    let cookie = try #require(shown["cookie"] as? [String: Any])
                    #expect(cookie["httpOnly"] as? Bool == true && cookie["sameSite"] as? String == "Strict", "\(cookie)")
                    #expect(shown["live"] as? String == "open")

                    // A second determination in the commune: the open page shows it by itself.
                    let second = try PeopleTests.id(
                        try await registry.call(
                            .post, "/v1/people", token: commune,
                            json: PeopleTests.anh.replacingOccurrences(of: "Ánh Tuyết", with: "Bình").replacingOccurrences(
                                of: "001195012345", with: "001195012346")))
                    try await determine(second)
                    try browser.send("expect 00004 2")
                    let updated = try await browser.nextLine()
                    #expect(updated["value"] as? String == "2", "\(updated)")
                    #expect(Int(updated["refreshes"] as? String ?? "") ?? 0 >= 1, "the page did not refresh from its events: \(updated)")
                    let after = try await Self.communeValues(statistics, token: tokens["province01"], until: 2)
                    #expect(after["00004"]?.value == "2" && after["00004"]?.status == "On track", "\(after)")
                }
            }
        }
    }

    /// The API's values of `determinations` by commune of province 01 this year, formatted as the
    /// English page shows them, once commune 00004's value is `until`.
    static func communeValues(
        _ statistics: ServiceClient, token: String?, until expected: Int
    ) async throws -> [String: (value: String, status: String)] {
        let path = "/v1/indicators/determinations/values?areaCode=01&groupBy=commune&from=\(year)-01-01"
        let deadline = ContinuousClock.now + .seconds(20)
        while true {
            let reply = try await statistics.call(.get, path, token: token)
            let items = (reply.json["items"] as? [[String: Any]]) ?? []
            var rows: [String: (value: String, status: String)] = [:]
            for item in items where item["breakdown"] == nil || item["breakdown"] is NSNull {
                let code = item["areaCode"] as? String ?? ""
                let value = (item["value"] as? Double).map { String(Int($0)) } ?? ""
                let status = ["met": "Met", "on_track": "On track", "behind": "Behind"][item["status"] as? String ?? ""] ?? "No target"
                rows[code] = (value, status)
            }
            if rows["00004"]?.value == String(expected) { return rows }
            guard ContinuousClock.now < deadline else { throw TestSupportError("determinations never reached \(expected): \(reply.body)") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    static func cookie(_ name: String, in reply: ServiceClient.Reply) -> (value: String, attributes: [String])? {
        for field in reply.headers[values: .setCookie] {
            let parts = field.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let first = parts.first, first.hasPrefix(name + "=") else { continue }
            return (String(first.dropFirst(name.count + 1)), Array(parts.dropFirst()))
        }
        return nil
    }

    static func hidden(_ name: String, in html: String) -> String? {
        guard let range = html.range(of: "name=\"\(name)\" value=\"") else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }
}
