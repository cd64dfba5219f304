import Access
import Foundation
import Hummingbird
import ServiceKit

/// The dashboard's cookies and form tokens.
///
/// A signed-in officer holds a dashboard session token (`rcd_…`, a registry session scoped to the
/// dashboard: logout, deactivation and password changes end it, and no API accepts it) in an
/// HttpOnly, SameSite=Strict cookie scoped to `/dashboard`. Every form that changes something carries a token the page alone can know: in a
/// session, a hash of the session's secret token; before signing in, a random value also set in a
/// short-lived cookie (double submit). Requests whose `Origin` is another site are refused too.
enum DashboardSession {
    static let cookie = "statistics_session"
    static let signInCookie = "statistics_sign_in"
    static let path = "/dashboard"
    /// Who may use the dashboard: province officers (their province) and administrators (any).
    static let roles: [Role] = [.provinceOfficer, .admin]

    /// The session token of the request's cookie, if it has a well-formed one.
    static func token(_ request: Request) -> String? {
        guard let value = request.cookies[cookie]?.value, SecretToken.isWellFormed(value, .dashboard) else { return nil }
        return value
    }

    /// The signed-in officer and their session token, or nil (no cookie, expired, revoked, or a
    /// role the dashboard does not serve).
    static func staff(_ request: Request, identities: IdentityResolver) async throws -> (StaffIdentity, String)? {
        guard let token = token(request), let staff = try await staff(token: token, identities: identities) else { return nil }
        return (staff, token)
    }

    /// The officer of a dashboard session token, while it is valid and their role is served.
    static func staff(token: String, identities: IdentityResolver) async throws -> StaffIdentity? {
        guard case .identified(.staff(let staff)) = try await identities.resolveDashboard(token), roles.contains(staff.role) else {
            return nil
        }
        return staff
    }

    /// A random value for the sign-in form and its cookie.
    static func randomFormToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }.joined()
    }

    /// The form token of a session.
    static func formToken(session token: String) -> String {
        SecretToken.hash("dashboard-form:" + token).map { String(format: "%02x", $0) }.joined()
    }

    /// Whether `given` equals `expected`, in time independent of where they differ.
    static func matches(_ given: String?, _ expected: String) -> Bool {
        guard let given, given.utf8.count == expected.utf8.count else { return false }
        return zip(given.utf8, expected.utf8).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// False when the request says it comes from a page of another origin.
    static func sameOrigin(_ request: Request) -> Bool {
        guard let origin = request.headers[.origin] else { return true }
        guard let host = request.head.authority else { return false }
        return origin == "http://\(host)" || origin == "https://\(host)"
    }

    static func sessionCookie(_ token: String, maxAge: Int, secure: Bool) -> Cookie {
        Cookie(name: cookie, value: token, maxAge: maxAge, path: path, secure: secure, httpOnly: true, sameSite: .strict)
    }

    static func signInCookie(_ value: String, secure: Bool) -> Cookie {
        Cookie(name: signInCookie, value: value, maxAge: 3600, path: path, secure: secure, httpOnly: true, sameSite: .strict)
    }

    /// A cookie that makes the browser forget `name`.
    static func expired(_ name: String, secure: Bool) -> Cookie {
        Cookie(name: name, value: "", maxAge: 0, path: path, secure: secure, httpOnly: true, sameSite: .strict)
    }
}

extension Jurisdiction {
    /// The province of a province officer; nil for a national account.
    var provinceCode: String? {
        if case .province(let code) = self { return code }
        return nil
    }
}
