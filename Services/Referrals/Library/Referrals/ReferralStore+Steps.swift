import ContractValues
import Foundation
import Postgres

/// The SQL of a referral's steps, its offer's capacity and its follow-ups.
extension ReferralStore {
    /// Records a step and applies `assignments` to the referral.
    func step(
        _ id: UUID, action: String, status: ReferralStatus, on day: CalendarDate, reason: String?, by actor: UUID, _ assignments: [SQLFragment]
    ) async throws {
        let all = SQLFragment(
            joining: assignments + ["status = \(status.rawValue)", "updated_at = now()", "updated_by = \(actor)", "version = version + 1"],
            separator: ", ")
        try await connection.query("UPDATE referrals.referrals SET \(all) WHERE id = \(id)")
        try await connection.query(
            """
            INSERT INTO referrals.referral_steps (id, referral_id, action, status, step_on, reason, recorded_by)
            VALUES (\(UUID()), \(id), \(action), \(status.rawValue), \(day), \(reason), \(actor))
            """)
    }

    /// Takes a seat or an opening of the offer; false when none is left.
    func takePlace(on offer: UUID) async throws -> Bool {
        try await !connection.query(
            """
            UPDATE referrals.offers SET taken = taken + 1, updated_at = now()
            WHERE id = \(offer) AND (kind = 'loan_programme' OR coalesce(seats, openings) > taken) RETURNING id
            """
        ).isEmpty
    }

    /// The offer's kind, partner, wage range, loan limit and term, if it exists.
    func offerTerms(_ offer: UUID) async throws -> OfferTerms? {
        try await connection.query(
            "SELECT kind, partner_id, active, wage_min_vnd, wage_max_vnd, limit_vnd, term_months FROM referrals.offers WHERE id = \(offer)"
        ).first.map { row in
            let (kind, partner, active, low, high, limit, term) = try row.decode((String, UUID, Bool, Int?, Int?, Int?, Int?).self)
            return OfferTerms(kind: kind, partner: partner, active: active, wageMin: low, wageMax: high, limit: limit, termMonths: term)
        }
    }

    struct OfferTerms: Sendable {
        let kind: String
        let partner: UUID
        let active: Bool
        let wageMin: Int?
        let wageMax: Int?
        let limit: Int?
        let termMonths: Int?
    }

    /// The follow-ups 3, 6 and 12 months after `day` (once each).
    func scheduleFollowUps(_ id: UUID, from day: CalendarDate) async throws {
        for months in FollowUp.schedule {
            try await connection.query(
                """
                INSERT INTO referrals.follow_ups (id, referral_id, months, due_on) VALUES (\(UUID()), \(id), \(months), \(day.adding(months: months)))
                ON CONFLICT (referral_id, months) DO NOTHING
                """)
        }
    }
}
