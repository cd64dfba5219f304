import Foundation
import Postgres

/// A person under management, as the API shows them.
struct Person: Codable, Sendable, Equatable {
    struct Residence: Codable, Sendable, Equatable {
        let communeCode: String
        let provinceCode: String
        let address: String?
        let since: String
        /// The commune of the list before 2025 this residence was recorded under, when it was
        /// (`communeCode` is its 2025 commune by the official mapping).
        let legacyCommuneCode: String?
    }

    let id: UUID
    let fullName: String
    let birthDate: String?
    let birthYear: Int
    let sex: String
    let ethnicity: String?
    let nationalId: String?
    /// `cccd`, or `cmnd` for a legacy 9-digit number (flagged for replacement).
    let nationalIdKind: String?
    let residence: Residence
    let phone: String?
    let occupation: String?
    let education: String?
    let substances: [String]
    let notes: String?
    /// The management status today, and since when; nil when never under management.
    let status: String?
    let statusSince: String?
    let createdAt: Date
    let updatedAt: Date
    let version: Int

    var etag: String { "\"\(version)\"" }

    /// The columns `init(row:)` reads, for `registry.people p`; the status is today's.
    static let columns: StaticString = """
        p.id, p.full_name, p.birth_date, p.birth_year, p.sex, p.ethnicity, p.national_id, p.national_id_kind,
        p.residence_commune_code, p.residence_province_code, p.residence_address, p.residence_since, p.phone,
        p.occupation, p.education, p.substances, p.notes, s.status, s.valid_from, p.created_at, p.updated_at, p.version,
        (SELECT r.legacy_commune_code FROM registry.residences r WHERE r.person_id = p.id AND r.to_date IS NULL)
        """

    /// The join that gives `s.status` on `day`.
    static func statusJoin(on day: CalendarDate) -> SQLFragment {
        """
        LEFT JOIN LATERAL (
            SELECT st.status, st.valid_from FROM registry.person_statuses st
            WHERE st.person_id = p.id AND st.valid_from <= \(day) AND (st.valid_to IS NULL OR st.valid_to > \(day))
            ORDER BY st.valid_from DESC LIMIT 1
        ) s ON true
        """
    }

    init(row: PostgresRow) throws {
        id = try row.decode(UUID.self, at: 0)
        fullName = try row.decode(String.self, at: 1)
        birthDate = try row.decode(CalendarDate?.self, at: 2)?.description
        birthYear = try row.decode(Int.self, at: 3)
        sex = try row.decode(String.self, at: 4)
        ethnicity = try row.decode(String?.self, at: 5)
        nationalId = try row.decode(String?.self, at: 6)
        nationalIdKind = try row.decode(String?.self, at: 7)
        residence = Residence(
            communeCode: try row.decode(String.self, at: 8), provinceCode: try row.decode(String.self, at: 9),
            address: try row.decode(String?.self, at: 10), since: try row.decode(CalendarDate.self, at: 11).description,
            legacyCommuneCode: try row.decode(String?.self, at: 22))
        phone = try row.decode(String?.self, at: 12)
        occupation = try row.decode(String?.self, at: 13)
        education = try row.decode(String?.self, at: 14)
        substances = try row.decode([String].self, at: 15)
        notes = try row.decode(String?.self, at: 16)
        status = try row.decode(String?.self, at: 17)
        statusSince = try row.decode(CalendarDate?.self, at: 18)?.description
        createdAt = try row.decode(Date.self, at: 19)
        updatedAt = try row.decode(Date.self, at: 20)
        version = try row.decode(Int.self, at: 21)
    }
}
