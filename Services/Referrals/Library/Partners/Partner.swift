import Foundation
import Hummingbird
import Postgres

/// A partner organisation that receives referrals, as the API shows it.
struct Partner: ResponseCodable, Sendable {
    /// What kind of organisation it is; which referral kinds it usually takes is advice, not a rule.
    enum Kind: String, Codable, Sendable, CaseIterable {
        /// Trung tâm dịch vụ việc làm.
        case employmentCentre = "employment_centre"
        /// Cơ sở giáo dục nghề nghiệp.
        case vocationalSchool = "vocational_school"
        case employer
        /// A credit fund or other lender.
        case lender
        /// A branch of the Bank for Social Policies (Ngân hàng Chính sách xã hội).
        case socialPolicyBank = "social_policy_bank"
        /// Quỹ phát triển tái hòa nhập cộng đồng.
        case reintegrationFund = "reintegration_fund"
        case other
    }

    let id: UUID
    let name: String
    let kind: Kind
    let provinceCode: String?
    let phone: String?
    let email: String?
    let address: String?
    let active: Bool
    let createdAt: Date

    /// The columns `init(row:)` decodes, for `SELECT \(sql: Partner.columns) FROM referrals.partners`.
    static let columns: StaticString = "id, name, kind, province_code, phone, email, address, active, created_at"

    init(row: PostgresRow) throws {
        let (id, name, kind, province, phone, email, address, active, created) =
            try row.decode((UUID, String, String, String?, String?, String?, String?, Bool, Date).self)
        self.id = id
        self.name = name
        self.kind = Kind(rawValue: kind) ?? .employer
        self.provinceCode = province
        self.phone = phone
        self.email = email
        self.address = address
        self.active = active
        self.createdAt = created
    }
}
