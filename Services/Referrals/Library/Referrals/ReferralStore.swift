import Access
import ContractValues
import EventBus
import Foundation
import Postgres
import ReferralsContracts

/// The SQL behind the referral endpoints, on one connection (usually inside a transaction).
struct ReferralStore {
    let connection: PostgresConnection

    /// The referrals `identity` may see, newest first, filtered (each optional) and after the
    /// cursor `after` (creation in microseconds, id); at most `limit`.
    func list(
        visibleTo identity: Identity, status: String?, kind: String?, commune: String?, after: (micros: Int, id: UUID)?, limit: Int
    ) async throws -> [Referral] {
        try await connection.query(
            """
            SELECT \(sql: Referral.select)
            WHERE (\(ReferralScope.condition(identity)))
              AND (\(status)::text IS NULL OR r.status = \(status))
              AND (\(kind)::text IS NULL OR r.kind = \(kind))
              AND (\(commune)::text IS NULL OR r.commune_code = \(commune))
              AND (\(after?.micros)::bigint IS NULL
                   OR ((extract(epoch FROM r.created_at) * 1000000)::bigint, r.id) < (\(after?.micros), \(after?.id)))
            ORDER BY r.created_at DESC, r.id DESC
            LIMIT \(limit)
            """
        ).map(Referral.init(row:))
    }

    /// The person's current commune and province, if the caller may refer or list them.
    func visiblePerson(_ id: UUID, to identity: Identity) async throws -> (commune: String, province: String)? {
        let rows = try await connection.query(
            """
            SELECT c.commune_code, c.province_code FROM registry.referral_contacts c
            WHERE c.person_id = \(id) AND (\(ReferralScope.person(identity)))
            """)
        return try rows.first.map { try $0.decode((String, String).self) }
    }

    /// One referral the caller may see; `lock` takes it for update (a state change follows).
    func referral(_ id: UUID, visibleTo identity: Identity, lock: Bool = false) async throws -> Referral? {
        let rows =
            lock
            ? try await connection.query(
                "SELECT \(sql: Referral.select) WHERE r.id = \(id) AND (\(ReferralScope.condition(identity))) FOR UPDATE OF r")
            : try await connection.query("SELECT \(sql: Referral.select) WHERE r.id = \(id) AND (\(ReferralScope.condition(identity)))")
        return try rows.first.map(Referral.init(row:))
    }

    /// The person's referrals, newest first.
    func referrals(ofPerson id: UUID) async throws -> [Referral] {
        try await connection.query("SELECT \(sql: Referral.select) WHERE r.person_id = \(id) ORDER BY r.created_at DESC, r.id")
            .map(Referral.init(row:))
    }

    /// Whether the partner exists and takes referrals: nil when it does not exist.
    func partnerIsActive(_ id: UUID) async throws -> Bool? {
        try await connection.query("SELECT active FROM referrals.partners WHERE id = \(id)").first?.decode(Bool.self, at: 0)
    }

    func insert(
        id: UUID, person: UUID, partner: UUID, kind: ReferralKind, request: String, commune: String, province: String, offer: UUID? = nil,
        case caseID: UUID? = nil, status: ReferralStatus = .sent, by actor: UUID
    ) async throws {
        try await connection.query(
            """
            INSERT INTO referrals.referrals
                (id, person_id, partner_id, kind, request, commune_code, province_code, offer_id, case_id, status, created_by, updated_by)
            VALUES (\(id), \(person), \(partner), \(kind.rawValue), \(request), \(commune), \(province), \(offer), \(caseID),
                    \(status.rawValue), \(actor), \(actor))
            """)
    }

    /// Moves a referral to `status`, with the outcome fields when it completes.
    func update(
        _ id: UUID, status: ReferralStatus, outcome: String? = nil, outcomeOn: CalendarDate? = nil, amountVnd: Int? = nil,
        note: String?, reason: String? = nil, by actor: UUID
    ) async throws {
        try await connection.query(
            """
            UPDATE referrals.referrals
            SET status = \(status.rawValue), outcome = \(outcome), outcome_on = \(outcomeOn), amount_vnd = \(amountVnd),
                note = coalesce(\(note), note), reason = coalesce(\(reason), reason), updated_at = now(), updated_by = \(actor),
                version = version + 1
            WHERE id = \(id)
            """)
    }

    /// The event describing the referral's current state.
    static func event(_ referral: Referral) throws -> ReferralEvents.Changed {
        ReferralEvents.Changed(
            referralId: referral.id, personId: referral.personID, partnerId: referral.partnerID, kind: try ReferralKind.parse(referral.kind),
            status: try ReferralStatus.parse(referral.status), outcome: referral.outcome, outcomeOn: referral.outcomeOn,
            amountVnd: referral.amountVnd, communeCode: referral.communeCode, provinceCode: referral.provinceCode,
            referredOn: CalendarDate(referral.createdAt))
    }
}
