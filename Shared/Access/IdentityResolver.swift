import Foundation
import Postgres
import Synchronization

/// Turns a bearer token into an `Identity`, for every service, by asking the registry's
/// `registry.session_identity` and `registry.api_key_identity` functions (the only part of the
/// registry's account tables other services can reach; they return no personal data).
///
/// Answers, positive and negative, are cached for `cacheLifetime` (at most 60 s), so a token that
/// is revoked (logout, deactivated account, changed password) stops working everywhere within
/// that time; `forget` drops one at once in the service that revoked it.
public final class IdentityResolver: Sendable {
    public enum Resolution: Sendable, Equatable {
        case identified(Identity)
        /// Unknown, expired or revoked.
        case rejected
    }

    private struct Cached {
        let resolution: Resolution
        let until: ContinuousClock.Instant
    }

    private let database: PostgresClient
    public let cacheLifetime: Duration
    private let cache = Mutex<[Data: Cached]>([:])
    private let maximumCached = 50_000

    public init(database: PostgresClient, cacheLifetime: Duration = .seconds(30)) {
        precondition(cacheLifetime <= .seconds(60), "revocation must take effect within 60 seconds")
        self.database = database
        self.cacheLifetime = cacheLifetime
    }

    /// Resolves `token` (without its `Bearer ` prefix). Throws only when the database cannot answer.
    public func resolve(_ token: String) async throws -> Resolution {
        let kind: SecretToken.Kind
        if SecretToken.isWellFormed(token, .session) {
            kind = .session
        } else if SecretToken.isWellFormed(token, .apiKey) {
            kind = .apiKey
        } else {
            return .rejected
        }
        return try await cached(token, kind)
    }

    /// Resolves a dashboard session's token (`SecretToken.Kind.dashboard`, the statistics
    /// dashboard's cookie) through `registry.dashboard_session_identity`; cached like `resolve`.
    /// Bearer tokens are not dashboard sessions, nor the reverse.
    public func resolveDashboard(_ token: String) async throws -> Resolution {
        guard SecretToken.isWellFormed(token, .dashboard) else { return .rejected }
        return try await cached(token, .dashboard)
    }

    private func cached(_ token: String, _ kind: SecretToken.Kind) async throws -> Resolution {
        let hash = SecretToken.hash(token)
        let now = ContinuousClock.now
        if let cached = cache.withLock({ $0[hash] }), cached.until > now { return cached.resolution }
        let resolution = try await lookUp(hash, kind)
        cache.withLock { cache in
            if cache.count >= maximumCached { cache = cache.filter { $0.value.until > now } }
            if cache.count < maximumCached { cache[hash] = Cached(resolution: resolution, until: now + cacheLifetime) }
        }
        return resolution
    }

    /// Drops the cached answer for `token` (after a logout in this process).
    public func forget(_ token: String) {
        let hash = SecretToken.hash(token)
        _ = cache.withLock { $0.removeValue(forKey: hash) }
    }

    /// Drops every cached answer (after an account change in this process).
    public func forgetAll() {
        cache.withLock { $0.removeAll() }
    }

    private func lookUp(_ hash: Data, _ kind: SecretToken.Kind) async throws -> Resolution {
        switch kind {
        case .session, .dashboard:
            let rows =
                try await kind == .session
                ? database.query(
                    """
                    SELECT session_id, account_id, username, role, jurisdiction_kind, jurisdiction_ref, expires_at
                    FROM registry.session_identity(\(hash))
                    """)
                : database.query(
                    """
                    SELECT session_id, account_id, username, role, jurisdiction_kind, jurisdiction_ref, expires_at
                    FROM registry.dashboard_session_identity(\(hash))
                    """)
            guard let row = rows.first else { return .rejected }
            let (sessionID, accountID, username, roleName, kindName, reference, expiresAt) =
                try row.decode((UUID, UUID, String, String, String, String?, Date).self)
            guard let role = Role(rawValue: roleName), let jurisdictionKind = Jurisdiction.Kind(rawValue: kindName),
                let jurisdiction = Jurisdiction(kind: jurisdictionKind, reference: reference)
            else { return .rejected }
            return .identified(
                .staff(
                    StaffIdentity(
                        accountID: accountID, sessionID: sessionID, username: username, role: role,
                        jurisdiction: jurisdiction, expiresAt: expiresAt)))
        case .apiKey:
            let rows = try await database.query(
                """
                SELECT key_id, label, purpose, area_code FROM registry.api_key_identity(\(hash))
                """)
            guard let row = rows.first else { return .rejected }
            let (keyID, label, purpose, area) = try row.decode((UUID, String, String, String?).self)
            return .identified(.agency(AgencyIdentity(keyID: keyID, label: label, purpose: purpose, areaCode: area)))
        }
    }
}
