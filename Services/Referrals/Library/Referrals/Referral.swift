import Foundation
import Postgres
import ServiceKit

/// One referral as stored, with the person's name and phone (from the registry) and the partner's
/// name. Officers get all of it (`officerView`); the partner it is addressed to gets
/// `partnerView`: what it needs to contact the person and act, nothing more.
struct Referral: Sendable {
    let id: UUID
    let personID: UUID
    let fullName: String
    let phone: String?
    let partnerID: UUID
    let partnerName: String
    let kind: String
    let request: String
    let communeCode: String
    let provinceCode: String
    let status: String
    let outcome: String?
    let outcomeOn: CalendarDate?
    let amountVnd: Int?
    let note: String?
    let createdAt: Date
    let updatedAt: Date
    let version: Int
    /// The creation time in microseconds since 1970, exact: the list's cursor.
    let createdMicros: Int
    /// The steps' details: the offer and case it comes from, the reason a referral was declined
    /// or dropped, and the outcome's particulars.
    let details: Details

    /// What the later steps record (each nil until its step).
    struct Details: Codable, Sendable, Equatable {
        let offerId: UUID?
        let caseId: UUID?
        /// Why it was declined or dropped.
        let reason: String?
        /// A completed course's certificate.
        let certificate: String?
        /// A job: the employer, the position and the monthly wage in đồng.
        let employer: String?
        let position: String?
        let wageVnd: Int?
        /// A loan: its term in months.
        let loanTermMonths: Int?
        /// The day of the placement or disbursement (follow-ups count from it).
        let placedOn: CalendarDate?
        /// A loan's repayment: on_schedule, late, repaid, written_off.
        let repayment: String?
    }

    /// `SELECT \(sql: Referral.select) WHERE …`: the columns `init(row:)` decodes, from
    /// `referrals.referrals r` joined to its person `c` and partner `p`.
    static let select: StaticString = """
        r.id, r.person_id, c.full_name, c.phone, r.partner_id, p.name, r.kind, r.request, r.commune_code, r.province_code,
        r.status, r.outcome, r.outcome_on, r.amount_vnd, r.note, r.created_at, r.updated_at, r.version,
        (extract(epoch FROM r.created_at) * 1000000)::bigint AS created_micros,
        r.offer_id, r.case_id, r.reason, r.certificate, r.employer, r.position, r.wage_vnd, r.loan_term_months, r.placed_on, r.repayment
        FROM referrals.referrals r
        JOIN registry.referral_contacts c ON c.person_id = r.person_id
        JOIN referrals.partners p ON p.id = r.partner_id
        """

    init(row: PostgresRow) throws {
        id = try row.decode(at: 0)
        personID = try row.decode(at: 1)
        fullName = try row.decode(at: 2)
        phone = try row.decode(at: 3)
        partnerID = try row.decode(at: 4)
        partnerName = try row.decode(at: 5)
        kind = try row.decode(at: 6)
        request = try row.decode(at: 7)
        communeCode = try row.decode(at: 8)
        provinceCode = try row.decode(at: 9)
        status = try row.decode(at: 10)
        outcome = try row.decode(at: 11)
        outcomeOn = try row.decode(at: 12)
        amountVnd = try row.decode(at: 13)
        note = try row.decode(at: 14)
        createdAt = try row.decode(at: 15)
        updatedAt = try row.decode(at: 16)
        version = try row.decode(at: 17)
        createdMicros = try row.decode(at: 18)
        details = Details(
            offerId: try row.decode(at: 19), caseId: try row.decode(at: 20), reason: try row.decode(at: 21), certificate: try row.decode(at: 22),
            employer: try row.decode(at: 23), position: try row.decode(at: 24), wageVnd: try row.decode(at: 25),
            loanTermMonths: try row.decode(at: 26), placedOn: try row.decode(at: 27), repayment: try row.decode(at: 28))
    }

    struct Person: Codable, Sendable {
        let fullName: String
        let phone: String?
    }

    struct PartnerSummary: Codable, Sendable {
        let id: UUID
        let name: String
    }

    /// What officers see.
    struct OfficerView: Codable, Sendable {
        let id: UUID
        let personId: UUID
        let person: Person
        let partner: PartnerSummary
        let kind: String
        let request: String
        let communeCode: String
        let provinceCode: String
        let status: String
        let outcome: String?
        let outcomeOn: String?
        let amountVnd: Int?
        let note: String?
        let details: Details
        let createdAt: Date
        let updatedAt: Date
        let version: Int
    }

    /// What the partner organisation sees: the person's name and phone and the request; no
    /// person id, residence or anything about treatment.
    struct PartnerView: Codable, Sendable {
        let id: UUID
        let person: Person
        let kind: String
        let request: String
        let status: String
        let outcome: String?
        let outcomeOn: String?
        let amountVnd: Int?
        let note: String?
        let details: Details
        let createdAt: Date
        let updatedAt: Date
    }

    /// Either view, encoded as itself.
    enum View: Codable, Sendable, DocumentedAlternatives {
        case officer(OfficerView)
        case partner(PartnerView)

        static var alternatives: [any Decodable.Type] { [OfficerView.self, PartnerView.self] }

        /// The officer's view when the person's id is there, the partner's otherwise.
        init(from decoder: any Decoder) throws {
            if let officer = try? OfficerView(from: decoder) { self = .officer(officer) } else { self = .partner(try PartnerView(from: decoder)) }
        }

        func encode(to encoder: any Encoder) throws {
            switch self {
            case .officer(let view): try view.encode(to: encoder)
            case .partner(let view): try view.encode(to: encoder)
            }
        }
    }

    var officerView: OfficerView {
        OfficerView(
            id: id, personId: personID, person: Person(fullName: fullName, phone: phone),
            partner: PartnerSummary(id: partnerID, name: partnerName), kind: kind, request: request,
            communeCode: communeCode, provinceCode: provinceCode, status: status, outcome: outcome,
            outcomeOn: outcomeOn?.description, amountVnd: amountVnd, note: note, details: details, createdAt: createdAt,
            updatedAt: updatedAt, version: version)
    }

    var partnerView: PartnerView {
        PartnerView(
            id: id, person: Person(fullName: fullName, phone: phone), kind: kind, request: request, status: status,
            outcome: outcome, outcomeOn: outcomeOn?.description, amountVnd: amountVnd, note: note,
            // Not the case: it derives from treatment, which partners never learn of.
            details: Details(
                offerId: details.offerId, caseId: nil, reason: details.reason, certificate: details.certificate, employer: details.employer,
                position: details.position, wageVnd: details.wageVnd, loanTermMonths: details.loanTermMonths, placedOn: details.placedOn,
                repayment: details.repayment),
            createdAt: createdAt, updatedAt: updatedAt)
    }

    /// The view the caller's role gets.
    func view(forPartner: Bool) -> View { forPartner ? .partner(partnerView) : .officer(officerView) }
}
