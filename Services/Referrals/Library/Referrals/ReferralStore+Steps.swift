import ContractValues
import Foundation
import Postgres

/// The SQL of a referral's steps, its offer's capacity and its follow-ups.
extension ReferralStore {
    /// Moves the referral to `status` with `assignments`.
    func advance(_ id: UUID, to status: ReferralStatus, by actor: UUID, _ assignments: [SQLFragment]) async throws {
        let all = SQLFragment(
            joining: assignments + ["status = \(status.rawValue)", "updated_at = now()", "updated_by = \(actor)", "version = version + 1"],
            separator: ", ")
        try await connection.query("UPDATE referrals.referrals SET \(all) WHERE id = \(id)")
    }

    /// Records a step of the referral's history: what, when, why and by whom.
    func recordStep(_ id: UUID, action: String, status: ReferralStatus, on day: CalendarDate, reason: String?, by actor: UUID) async throws {
        try await connection.query(
            """
            INSERT INTO referrals.referral_steps (id, referral_id, action, status, step_on, reason, recorded_by)
            VALUES (\(UUID()), \(id), \(action), \(status.rawValue), \(day), \(reason), \(actor))
            """)
    }

    /// A referral's steps, in the order they were taken.
    func steps(of id: UUID) async throws -> [ReferralStep] {
        try await connection.query(
            "SELECT action, status, step_on, reason, recorded_by, recorded_at FROM referrals.referral_steps WHERE referral_id = \(id) ORDER BY recorded_at, id"
        ).map { row in
            let (action, status, day, reason, by, at) = try row.decode((String, String, CalendarDate, String?, UUID, Date).self)
            return ReferralStep(action: action, status: status, on: day, reason: reason, recordedBy: by, recordedAt: at)
        }
    }

    /// The day of the referral's last step, if it has any.
    func lastStepDay(_ id: UUID) async throws -> CalendarDate? {
        try await connection.query("SELECT max(step_on) FROM referrals.referral_steps WHERE referral_id = \(id)")[0].decode(CalendarDate?.self, at: 0)
    }

    /// Gives a seat or an opening back to the offer.
    func releasePlace(on offer: UUID) async throws {
        try await connection.query("UPDATE referrals.offers SET taken = taken - 1, updated_at = now() WHERE id = \(offer) AND taken > 0")
    }

    /// Removes the referral's follow-ups not done yet (the placement they follow fell through).
    func cancelFollowUps(_ id: UUID) async throws {
        try await connection.query("DELETE FROM referrals.follow_ups WHERE referral_id = \(id) AND done_on IS NULL")
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
