import Foundation
import Hummingbird
import Postgres

/// The open offers that fit a case: of a kind the person needs, where the person lives (the
/// offer's commune or province, or the areas its partner serves, or anywhere for a national
/// partner), with seats or openings left and, for a course, not begun. Best first: nearest (the
/// commune, then the province, then the country), then in the order of the case's needs, then the
/// soonest course, the best-paid job, the largest loan; each with the reasons it matched.
struct OfferMatcher {
    let connection: PostgresConnection

    struct Match: Codable, Sendable {
        let offer: Offer
        let partnerName: String
        /// commune, province or national.
        let nearness: String
        let reasons: [String]
    }

    struct Page: ResponseCodable {
        let caseId: UUID
        let items: [Match]
    }

    /// What each need is met by.
    static let kinds: [ReintegrationCase.Need: Offer.Kind] = [.vocationalTraining: .course, .job: .job, .loan: .loanProgramme]

    func matches(for reintegration: ReintegrationCase, today: CalendarDate, limit: Int) async throws -> [Match] {
        let kinds = reintegration.needs.compactMap { Self.kinds[$0]?.rawValue }
        guard !kinds.isEmpty else { return [] }
        let commune = reintegration.communeCode
        let province = reintegration.provinceCode
        return try await connection.query(
            """
            SELECT \(sql: OfferStore.columns), p.name, m.nearness FROM (
                SELECT o.id,
                       CASE WHEN o.commune_code = \(commune) THEN 0
                            WHEN o.province_code = \(province) THEN 1
                            WHEN EXISTS (SELECT 1 FROM referrals.partner_areas a WHERE a.partner_id = o.partner_id AND a.commune_code = \(commune)) THEN 0
                            WHEN EXISTS (SELECT 1 FROM referrals.partner_areas a WHERE a.partner_id = o.partner_id
                                         AND a.province_code = \(province) AND a.commune_code IS NULL) THEN 1
                            WHEN NOT EXISTS (SELECT 1 FROM referrals.partner_areas a WHERE a.partner_id = o.partner_id)
                                 AND pp.province_code = \(province) THEN 1
                            WHEN NOT EXISTS (SELECT 1 FROM referrals.partner_areas a WHERE a.partner_id = o.partner_id)
                                 AND pp.province_code IS NULL THEN 2
                       END AS nearness
                FROM referrals.offers o JOIN referrals.partners pp ON pp.id = o.partner_id AND pp.active
                WHERE o.active AND o.kind = ANY(\(kinds)::text[])
                  AND (o.commune_code = \(commune) OR (o.commune_code IS NULL AND o.province_code = \(province)) OR o.province_code IS NULL)
                  AND (o.kind = 'loan_programme' OR coalesce(o.seats, o.openings) > o.taken)
                  AND (o.kind <> 'course' OR o.starts_on >= \(today))
            ) m
            JOIN referrals.offers o ON o.id = m.id JOIN referrals.partners p ON p.id = o.partner_id
            WHERE m.nearness IS NOT NULL
            ORDER BY m.nearness, array_position(\(kinds)::text[], o.kind), o.starts_on, o.wage_max_vnd DESC NULLS LAST,
                     o.limit_vnd DESC NULLS LAST, o.id
            LIMIT \(limit)
            """
        ).map { row in
            let offer = try OfferStore.offer(row)
            let nearness = ["commune", "province", "national"][min(2, max(0, try row.decode(Int.self, at: 27)))]
            return Match(
                offer: offer, partnerName: try row.decode(at: 26), nearness: nearness, reasons: Self.reasons(offer, reintegration, nearness))
        }
    }

    static func reasons(_ offer: Offer, _ reintegration: ReintegrationCase, _ nearness: String) -> [String] {
        let need = kinds.first { $0.value == offer.kind }?.key.rawValue ?? offer.kind.rawValue
        var reasons = ["meets the need: \(need)"]
        switch nearness {
        case "commune": reasons.append("in or serving the person's commune \(reintegration.communeCode)")
        case "province": reasons.append("in or serving the person's province \(reintegration.provinceCode)")
        default: reasons.append("a national partner")
        }
        if let left = offer.left { reasons.append("\(left) \(offer.kind == .course ? "seats" : "openings") left") }
        if let course = offer.course { reasons.append("starts \(course.startsOn)") }
        return reasons
    }
}
