import Access
import Audit
import Foundation
import HTTPTypes
import Hummingbird
import Postgres
import ServiceKit
import ServiceLifecycle

/// The dashboard under `/dashboard`: a sign-in form (registry accounts of province officers and
/// administrators), a province's page (`/dashboard/province?code=&year=&indicator=&lang=`), its
/// server-sent events (`/dashboard/updates?code=`) and its two assets. HTML pages, not part of the
/// JSON API (nor of its OpenAPI document); a malformed query still answers a problem document.
struct DashboardRoutes: Sendable {
    let environment: ServiceEnvironment
    let updates: DashboardUpdates
    private let hasher = PasswordHasher()

    init(environment: ServiceEnvironment, updates: DashboardUpdates) {
        self.environment = environment
        self.updates = updates
    }

    private struct SignInForm: Decodable {
        let username: String?
        let password: String?
        let form: String?
        let lang: String?
    }

    private struct SignOutForm: Decodable {
        let form: String?
    }

    func add(to router: Router<AppRequestContext>) {
        router.get("/dashboard") { request, _ -> Response in
            let signedIn = try await DashboardSession.staff(request, identities: environment.identities) != nil
            return Self.redirect(signedIn ? "/dashboard/province" : "/dashboard/sign-in")
        }
        router.get("/dashboard/sign-in") { request, _ -> Response in
            signInPage(DashboardLanguage(query: request.uri.queryParameters["lang"]), message: nil, status: .ok)
        }
        router.post("/dashboard/sign-in") { request, context -> Response in
            try await signIn(request, context)
        }
        router.post("/dashboard/sign-out") { request, context -> Response in
            try await signOut(request, context)
        }
        router.get("/dashboard/province") { request, context -> Response in
            try await provincePage(request, context)
        }
        router.get("/dashboard/updates") { request, _ -> Response in
            try await events(request)
        }
        router.get("/dashboard/assets/dashboard.css") { _, _ in Self.asset(DashboardAssets.css, type: "text/css; charset=utf-8") }
        router.get("/dashboard/assets/dashboard.js") { _, _ in Self.asset(DashboardAssets.javascript, type: "text/javascript; charset=utf-8") }
    }

    // MARK: - Signing in and out

    private func signInPage(_ language: DashboardLanguage, message: String?, status: HTTPResponse.Status) -> Response {
        let token = DashboardSession.randomFormToken()
        var response = Self.page(DashboardPages(language: language).signIn(formToken: token, message: message), status: status)
        response.setCookie(DashboardSession.signInCookie(token, secure: environment.configuration.dashboardCookieSecure))
        return response
    }

    private func signIn(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try Self.form(SignInForm.self, from: try await request.collectBodyOrNothing(limit: 8192))
        let language = DashboardLanguage(query: form.lang.map { Substring($0) })
        guard DashboardSession.sameOrigin(request),
            let cookie = request.cookies[DashboardSession.signInCookie]?.value, DashboardSession.matches(form.form, cookie)
        else {
            return signInPage(language, message: language[.expired], status: .forbidden)
        }
        let username = (form.username ?? "").lowercased().trimmingCharacters(in: .whitespaces)
        let password = form.password ?? ""
        guard !username.isEmpty, username.utf8.count <= 64, !password.isEmpty, password.utf8.count <= 1024 else {
            return signInPage(language, message: language[.wrongCredentials], status: .unauthorized)
        }
        let database = environment.database
        guard
            let (parameters, salt, blocked) = try await database.withConnection({
                try await DashboardStore(connection: $0).signInParameters(username: username)
            })
        else {
            return signInPage(language, message: language[.wrongCredentials], status: .unauthorized)
        }
        // A blocked username costs no key derivation and counts no further failure.
        if let blocked {
            try await environment.audit.record(Self.throttled(username, context))
            return throttledPage(language, wait: blocked)
        }
        guard let key = try await hasher.derivedKey(password, parameters: parameters, salt: salt) else {
            return signInPage(language, message: language[.wrongCredentials], status: .unauthorized)
        }
        let token = SecretToken.generate(.dashboard)
        let lifetime = environment.configuration.sessionLifetime
        let outcome = try await database.withTransaction { connection in
            let outcome = try await DashboardStore(connection: connection).openSession(
                username: username, derivedKey: key, tokenHash: SecretToken.hash(token), lifetime: lifetime,
                roles: DashboardSession.roles.map(\.rawValue))
            let entry: AuditEntry
            switch outcome {
            case .opened(let session, let account):
                entry = AuditEntry(
                    requestID: context.requestID, actorKind: .account, actorID: account, actorLabel: username, action: "login",
                    resource: "session", resourceID: session.uuidString.lowercased(), detail: ["via": "dashboard"])
            case .throttled:
                entry = Self.throttled(username, context)
            case .refused(let reason, let account):
                entry = AuditEntry(
                    requestID: context.requestID, actorKind: .anonymous, actorID: account, actorLabel: username, action: "login",
                    resource: "session", outcome: reason == "role-not-allowed" ? .denied : .failed, detail: ["reason": reason, "via": "dashboard"])
            }
            try await AuditLog.append(entry, on: connection)
            return outcome
        }
        switch outcome {
        case .opened:
            var response = Self.redirect("/dashboard/province?lang=\(language.rawValue)")
            let secure = environment.configuration.dashboardCookieSecure
            response.setCookie(DashboardSession.sessionCookie(token, maxAge: Int(lifetime.inSeconds), secure: secure))
            response.setCookie(DashboardSession.expired(DashboardSession.signInCookie, secure: secure))
            return response
        case .throttled(let wait):
            return throttledPage(language, wait: wait)
        case .refused(let reason, _):
            return signInPage(
                language, message: language[reason == "role-not-allowed" ? .notAllowed : .wrongCredentials],
                status: reason == "role-not-allowed" ? .forbidden : .unauthorized)
        }
    }

    /// The audit entry of a sign-in refused while `username` is blocked.
    private static func throttled(_ username: String, _ context: AppRequestContext) -> AuditEntry {
        AuditEntry(
            requestID: context.requestID, actorKind: .anonymous, actorLabel: username, action: "login", resource: "session",
            outcome: .denied, detail: ["username": username, "reason": "throttled", "via": "dashboard"])
    }

    private func throttledPage(_ language: DashboardLanguage, wait: Int) -> Response {
        var response = signInPage(language, message: "\(language[.throttled]) \(wait)", status: .tooManyRequests)
        response.headers[.retryAfter] = String(wait)
        return response
    }

    private func signOut(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try Self.form(SignOutForm.self, from: try await request.collectBodyOrNothing(limit: 4096))
        let secure = environment.configuration.dashboardCookieSecure
        guard let (staff, token) = try await DashboardSession.staff(request, identities: environment.identities) else {
            return Self.redirect("/dashboard/sign-in")
        }
        guard DashboardSession.sameOrigin(request), DashboardSession.matches(form.form, DashboardSession.formToken(session: token)) else {
            throw ProblemDetails.forbidden("The sign-out form did not come from this dashboard's page.")
        }
        try await environment.database.withTransaction { connection in
            try await DashboardStore(connection: connection).closeSession(tokenHash: SecretToken.hash(token))
            try await AuditLog.append(
                AuditEntry(
                    .staff(staff), context, action: "logout", resource: "session", resourceID: staff.sessionID.uuidString.lowercased(),
                    detail: ["via": "dashboard"]), on: connection)
        }
        environment.identities.forget(token)
        var response = Self.redirect("/dashboard/sign-in")
        response.setCookie(DashboardSession.expired(DashboardSession.cookie, secure: secure))
        return response
    }

    // MARK: - Pages

    private func provincePage(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        let language = DashboardLanguage(query: query["lang"])
        guard let (staff, token) = try await DashboardSession.staff(request, identities: environment.identities) else {
            return Self.redirect("/dashboard/sign-in?lang=\(language.rawValue)")
        }
        let today = CalendarDate.today()
        var validator = FieldValidator()
        let code = query["code"].map(String.init) ?? staff.jurisdiction.provinceCode ?? "01"
        validator.require(code.utf8.count == 2 && code.allSatisfy(\.isNumber), "?code", "must be a province code (2 digits)")
        let year = query["year"].map { Int($0) } ?? today.year
        validator.require(year.map { (2000...today.year).contains($0) } ?? false, "?year", "must be a year from 2000 to \(today.year)")
        let indicatorID = query["indicator"].map(String.init) ?? "treated_share"
        let indicator = IndicatorCatalogue.indicator(indicatorID).flatMap { $0.computed ? $0 : nil }
        validator.require(indicator != nil, "?indicator", "must be a computed indicator of GET /v1/indicators")
        try validator.finish()
        guard let year, let indicator else { throw ProblemDetails.badRequest("unreachable") }
        let provinces = try await environment.database.withConnection { try await DashboardStore(connection: $0).provinces() }
        guard provinces.contains(where: { $0.code == code }) else {
            throw ProblemDetails.validation([.init(pointer: "?code", detail: "is not a 2025 province")])
        }
        let allowed = staff.jurisdiction.provinceCode.map { own in provinces.filter { $0.code == own } } ?? provinces
        let figures = try await DashboardFigures.load(
            province: code, year: year, indicator: indicator, staff: staff, reader: IndicatorReader(environment: environment), context: context)
        return Self.page(
            DashboardPages(language: language).province(
                figures, indicator: indicator, provinces: allowed, staff: staff, formToken: DashboardSession.formToken(session: token)),
            status: .ok)
    }

    /// `text/event-stream`: `event: figures` whenever the province's figures change, a comment
    /// every 15 s otherwise; ends when the session's page is closed or the service stops.
    private func events(_ request: Request) async throws -> Response {
        let identities = environment.identities
        guard let (staff, token) = try await DashboardSession.staff(request, identities: identities) else {
            throw ProblemDetails.unauthorized("Sign in to the dashboard first.")
        }
        let code = request.uri.queryParameters["code"].map(String.init) ?? ""
        guard code.utf8.count == 2, code.allSatisfy(\.isNumber) else {
            throw ProblemDetails.validation([.init(pointer: "?code", detail: "must be a province code (2 digits)")])
        }
        if let own = staff.jurisdiction.provinceCode, own != code {
            throw ProblemDetails.forbidden("Your account is bound to province \(own).")
        }
        let subscription = updates.subscribe(province: code)
        var headers: HTTPFields = [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store"]
        headers[HTTPField.Name("X-Accel-Buffering")!] = "no"
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                try await writer.write(ByteBuffer(string: "retry: 3000\n: listening for province \(code)\n\n"))
                // An open page must not hold the server up when it stops: the stream ends then.
                try await withGracefulShutdownHandler {
                    for await update in subscription.updates {
                        switch update {
                        case .figures: try await writer.write(ByteBuffer(string: "event: figures\ndata: \(code)\n\n"))
                        case .heartbeat:
                            // A session signed out, revoked or expired ends its streams too.
                            guard try await DashboardSession.staff(token: token, identities: identities) != nil else { return }
                            try await writer.write(ByteBuffer(string: ": heartbeat\n\n"))
                        }
                    }
                } onGracefulShutdown: {
                    subscription.end()
                }
                try await writer.finish(nil)
            })
    }

    // MARK: - Helpers

    private static func form<T: Decodable>(_ type: T.Type, from body: Data) throws -> T {
        guard let text = String(data: body, encoding: .utf8) else { throw ProblemDetails.badRequest("The form is not UTF-8.") }
        do {
            return try URLEncodedFormDecoder().decode(T.self, from: text)
        } catch {
            throw ProblemDetails.badRequest("The form could not be read: \(error)")
        }
    }

    /// The headers of every page: nothing inline runs, nothing is framed, nothing is cached.
    static let securityHeaders: HTTPFields = [
        HTTPField.Name("Content-Security-Policy")!:
            "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        HTTPField.Name("X-Content-Type-Options")!: "nosniff",
        HTTPField.Name("Referrer-Policy")!: "same-origin",
        .cacheControl: "no-store",
    ]

    private static func page(_ html: String, status: HTTPResponse.Status) -> Response {
        var headers = securityHeaders
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    private static func redirect(_ location: String) -> Response {
        var headers = securityHeaders
        headers[.location] = location
        return Response(status: .seeOther, headers: headers)
    }

    private static func asset(_ text: String, type: String) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: type, .cacheControl: "public, max-age=3600", HTTPField.Name("X-Content-Type-Options")!: "nosniff"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
