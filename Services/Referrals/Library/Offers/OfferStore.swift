import Foundation
import Postgres
import RegistryContracts

/// Offers (`referrals.offers`) and the areas partners serve (`referrals.partner_areas`).
struct OfferStore {
    let connection: PostgresConnection

    static let columns: StaticString = """
        o.id, o.partner_id, o.kind, o.title, o.province_code, o.commune_code, o.place, o.trade, o.starts_on, o.ends_on, o.seats,
        o.cost_covered, o.position, o.employer, o.wage_min_vnd, o.wage_max_vnd, o.openings, o.lender, o.purpose, o.limit_vnd,
        o.term_months, o.interest_rate::text, o.eligibility, o.taken, o.active, o.version
        """

    static func offer(_ row: PostgresRow) throws -> Offer {
        let kind = Offer.Kind(rawValue: try row.decode(String.self, at: 2)) ?? .course
        let course: Offer.Course? =
            kind == .course
            ? Offer.Course(
                trade: try row.decode(at: 7), startsOn: try row.decode(at: 8), endsOn: try row.decode(at: 9), seats: try row.decode(at: 10),
                costCovered: try row.decode(Bool?.self, at: 11) ?? false) : nil
        let job: Offer.Job? =
            kind == .job
            ? Offer.Job(
                position: try row.decode(at: 12), employer: try row.decode(at: 13), wageMinVnd: try row.decode(at: 14),
                wageMaxVnd: try row.decode(at: 15), openings: try row.decode(at: 16)) : nil
        let loan: Offer.LoanProgramme? =
            kind == .loanProgramme
            ? Offer.LoanProgramme(
                lender: try row.decode(at: 17), purpose: try row.decode(at: 18), limitVnd: try row.decode(at: 19), termMonths: try row.decode(at: 20),
                interestRate: try row.decode(at: 21), eligibility: try row.decode(at: 22)) : nil
        return Offer(
            id: try row.decode(at: 0), partnerId: try row.decode(at: 1), kind: kind, title: try row.decode(at: 3),
            provinceCode: try row.decode(at: 4),
            communeCode: try row.decode(at: 5), place: try row.decode(at: 6), course: course, job: job, loanProgramme: loan,
            taken: try row.decode(at: 23), active: try row.decode(at: 24), version: try row.decode(at: 25))
    }

    func offer(_ id: UUID, lock: Bool = false) async throws -> Offer? {
        let locking: SQLFragment = lock ? "FOR UPDATE" : ""
        return try await connection.query("SELECT \(sql: Self.columns) FROM referrals.offers o WHERE o.id = \(id) \(locking)").first.map(Self.offer)
    }

    func offers(ofPartner partner: UUID) async throws -> [Offer] {
        try await connection.query(
            "SELECT \(sql: Self.columns) FROM referrals.offers o WHERE o.partner_id = \(partner) ORDER BY o.active DESC, o.created_at DESC"
        ).map(Self.offer)
    }

    /// Inserts `offer`, or replaces the one with its id (its taken count kept).
    func save(_ offer: Offer) async throws {
        try await connection.query(
            """
            INSERT INTO referrals.offers
                (id, partner_id, kind, title, province_code, commune_code, place, trade, starts_on, ends_on, seats, cost_covered, position,
                 employer, wage_min_vnd, wage_max_vnd, openings, lender, purpose, limit_vnd, term_months, interest_rate, eligibility, active)
            VALUES (\(offer.id), \(offer.partnerId), \(offer.kind.rawValue), \(offer.title), \(offer.provinceCode), \(offer.communeCode),
                    \(offer.place), \(offer.course?.trade), \(offer.course?.startsOn), \(offer.course?.endsOn), \(offer.course?.seats),
                    \(offer.course?.costCovered), \(offer.job?.position), \(offer.job?.employer), \(offer.job?.wageMinVnd),
                    \(offer.job?.wageMaxVnd), \(offer.job?.openings), \(offer.loanProgramme?.lender), \(offer.loanProgramme?.purpose),
                    \(offer.loanProgramme?.limitVnd), \(offer.loanProgramme?.termMonths), \(offer.loanProgramme?.interestRate)::numeric,
                    \(offer.loanProgramme?.eligibility), \(offer.active))
            ON CONFLICT (id) DO UPDATE SET
                title = excluded.title, province_code = excluded.province_code, commune_code = excluded.commune_code, place = excluded.place,
                trade = excluded.trade, starts_on = excluded.starts_on, ends_on = excluded.ends_on, seats = excluded.seats,
                cost_covered = excluded.cost_covered, position = excluded.position, employer = excluded.employer,
                wage_min_vnd = excluded.wage_min_vnd, wage_max_vnd = excluded.wage_max_vnd, openings = excluded.openings,
                lender = excluded.lender, purpose = excluded.purpose, limit_vnd = excluded.limit_vnd, term_months = excluded.term_months,
                interest_rate = excluded.interest_rate, eligibility = excluded.eligibility, active = excluded.active,
                version = referrals.offers.version + 1, updated_at = now()
            """)
    }

    /// Whether a commune of the 2025 list exists, and its province.
    func commune(_ code: String) async throws -> String? {
        try await connection.query(
            """
            SELECT province_code FROM registry.admin_units
            WHERE generation = \(AdminUnitGeneration.current) AND level = 'commune' AND code = \(code)
            """
        ).first?.decode(String.self, at: 0)
    }

    /// Replaces the areas the partner serves.
    func setAreas(_ partner: UUID, _ areas: [(province: String, commune: String?)]) async throws {
        try await connection.query("DELETE FROM referrals.partner_areas WHERE partner_id = \(partner)")
        guard !areas.isEmpty else { return }
        try await connection.query(
            """
            INSERT INTO referrals.partner_areas (partner_id, province_code, commune_code)
            SELECT \(partner), p, c FROM unnest(\(areas.map(\.province))::text[], \(areas.map(\.commune))::text[]) AS a(p, c)
            ON CONFLICT DO NOTHING
            """)
    }

    func areas(of partner: UUID) async throws -> [Area] {
        try await connection.query(
            "SELECT province_code, commune_code FROM referrals.partner_areas WHERE partner_id = \(partner) ORDER BY province_code, commune_code NULLS FIRST"
        ).map { row in
            let (province, commune) = try row.decode((String, String?).self)
            return Area(provinceCode: province, communeCode: commune)
        }
    }

    struct Area: Codable, Sendable, Equatable {
        let provinceCode: String
        /// nil: the whole province.
        let communeCode: String?
    }
}
