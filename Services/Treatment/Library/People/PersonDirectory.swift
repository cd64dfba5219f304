import Access
import Foundation
import Postgres
import Rules
import ServiceKit

/// What the treatment service knows of a person from the registry (`registry.treatment_people`):
/// where they live and when they were born. No name, no national id.
struct TreatedPerson: Sendable {
    let id: UUID
    let communeCode: String
    let provinceCode: String
    let birthDate: CalendarDate?
    let birthYear: Int?

    /// Age in whole years on `day` (from the birth year alone when the date is not known).
    func age(on day: CalendarDate) -> Int? {
        TreatmentTerm.age(on: day, birthDate: birthDate, birthYear: birthYear)
    }
}

/// Finds the people a caller may see: officers those living in their jurisdiction, facility staff
/// those with an episode planned or under way at their facility (as the registry does).
struct PersonDirectory {
    let connection: PostgresConnection

    /// The person, or nil when there is none or `identity` may not see them (nil: whoever may).
    func person(_ id: UUID, visibleTo identity: Identity?) async throws -> TreatedPerson? {
        try await connection.query(
            """
            SELECT tp.commune_code, tp.province_code, tp.birth_date, tp.birth_year FROM registry.treatment_people tp
            WHERE tp.person_id = \(id) AND (\(identity.map(Self.visible) ?? "TRUE"))
            """
        ).first.map { row in
            let (commune, province, birthDate, birthYear) = try row.decode((String, String, CalendarDate?, Int?).self)
            return TreatedPerson(id: id, communeCode: commune, provinceCode: province, birthDate: birthDate, birthYear: birthYear)
        }
    }

    /// True for rows of `registry.treatment_people tp` the caller may see.
    static func visible(_ identity: Identity) -> SQLFragment {
        if case .staff(let staff) = identity, staff.role == .facilityStaff, case .facility(let facility) = staff.jurisdiction {
            return """
                EXISTS (SELECT 1 FROM treatment.episodes e WHERE e.person_id = tp.person_id AND e.facility_id = \(facility)
                        AND e.status IN ('planned', 'active'))
                """
        }
        return AreaScope.condition(identity, province: "tp.province_code", commune: "tp.commune_code")
    }
}
