import Access
import Foundation
import Postgres

/// Follow-ups (`referrals.follow_ups`), with their referral's person, partner and area.
struct FollowUpStore {
    let connection: PostgresConnection

    private static let select: StaticString = """
        f.id, f.referral_id, r.person_id, r.partner_id, r.kind, f.months, f.due_on, f.done_on, f.still_employed, f.wage_vnd, f.repayment,
        f.note, r.commune_code, r.province_code
        FROM referrals.follow_ups f JOIN referrals.referrals r ON r.id = f.referral_id
        JOIN registry.referral_contacts c ON c.person_id = r.person_id
        """

    private static func followUp(_ row: PostgresRow, on day: CalendarDate) throws -> FollowUp {
        let due: CalendarDate = try row.decode(at: 6)
        let repayment: String? = try row.decode(at: 10)
        return FollowUp(
            id: try row.decode(at: 0), referralId: try row.decode(at: 1), personId: try row.decode(at: 2), partnerId: try row.decode(at: 3),
            kind: try row.decode(at: 4), months: try row.decode(at: 5), dueOn: due, daysLeft: due.daysSinceEpoch - day.daysSinceEpoch,
            doneOn: try row.decode(at: 7), stillEmployed: try row.decode(at: 8), wageVnd: try row.decode(at: 9),
            repayment: repayment.flatMap(FollowUp.Repayment.init(rawValue:)), note: try row.decode(at: 11), communeCode: try row.decode(at: 12),
            provinceCode: try row.decode(at: 13))
    }

    /// The follow-ups not done and due by `until` that `identity` may see (as its referrals),
    /// overdue ones first, at most `limit`.
    func due(
        visibleTo identity: Identity, commune: String?, partner: UUID?, on day: CalendarDate, until: CalendarDate, limit: Int
    ) async throws -> [FollowUp] {
        // A commune's or a partner's list goes through its referrals (an index), not every
        // follow-up due; filters are written only when given, for the generic plan's sake.
        let inCommune: SQLFragment = commune.map { "r.commune_code = \($0)" } ?? "TRUE"
        let ofPartner: SQLFragment = partner.map { "r.partner_id = \($0)" } ?? "TRUE"
        return try await connection.query(
            """
            SELECT \(sql: Self.select)
            WHERE f.done_on IS NULL AND f.due_on <= \(until) AND (\(ReferralScope.condition(identity))) AND \(inCommune) AND \(ofPartner)
            ORDER BY f.due_on, f.id LIMIT \(limit)
            """
        ).map { try Self.followUp($0, on: day) }
    }

    func followUp(_ id: UUID, visibleTo identity: Identity, on day: CalendarDate, lock: Bool = false) async throws -> FollowUp? {
        let locking: SQLFragment = lock ? "FOR UPDATE OF f" : ""
        return try await connection.query("SELECT \(sql: Self.select) WHERE f.id = \(id) AND (\(ReferralScope.condition(identity))) \(locking)")
            .first.map { try Self.followUp($0, on: day) }
    }

    func record(
        _ id: UUID, on day: CalendarDate, stillEmployed: Bool?, wageVnd: Int?, repayment: FollowUp.Repayment?, note: String?, by actor: UUID
    ) async throws {
        try await connection.query(
            """
            UPDATE referrals.follow_ups SET done_on = \(day), still_employed = \(stillEmployed), wage_vnd = \(wageVnd),
                repayment = \(repayment?.rawValue), note = \(note), recorded_by = \(actor)
            WHERE id = \(id)
            """)
        // The loan's repayment as last followed up.
        if let repayment {
            try await connection.query(
                """
                UPDATE referrals.referrals SET repayment = \(repayment.rawValue), updated_at = now(), version = version + 1
                WHERE id = (SELECT referral_id FROM referrals.follow_ups WHERE id = \(id))
                """)
        }
    }
}
