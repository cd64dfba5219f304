import Foundation
import Postgres
import ReferralsContracts
import RegistryContracts

/// The counting tables of reintegration cases, counselling and community programmes (no names).
/// Every write restates an event, so an event applied twice changes nothing.
struct ReintegrationCountingStore {
    let connection: PostgresConnection
    var tables = CountingTables.live

    func saveCase(_ event: ReferralEvents.CaseChanged) async throws {
        try await connection.query(
            """
            INSERT INTO \(tables("cases")) (case_id, person_id, needs, opened_on, closed_on, commune_code, province_code)
            VALUES (\(event.caseId), \(event.personId), \(event.needs), \(event.openedOn), \(event.closedOn), \(event.communeCode), \(event.provinceCode))
            ON CONFLICT (case_id) DO UPDATE SET needs = excluded.needs, opened_on = excluded.opened_on, closed_on = excluded.closed_on,
                commune_code = excluded.commune_code, province_code = excluded.province_code
            """)
    }

    func saveCounselling(_ event: ReferralEvents.CounsellingGiven) async throws {
        try await connection.query(
            """
            INSERT INTO \(tables("counselling")) (counselling_id, case_id, person_id, given_on)
            VALUES (\(event.counsellingId), \(event.caseId), \(event.personId), \(event.givenOn))
            ON CONFLICT (counselling_id) DO NOTHING
            """)
    }

    func saveProgramme(_ event: ProgrammeEvents.Recorded) async throws {
        try await connection.query(
            """
            INSERT INTO \(tables("programmes")) (record_id, kind, commune_code, province_code, on_date, count, group_type, year, until)
            VALUES (\(event.recordId), \(event.kind), \(event.communeCode), \(event.provinceCode), \(event.onDate), \(event.count),
                    \(event.groupType), \(event.year), \(event.until))
            ON CONFLICT (record_id) DO NOTHING
            """)
        if tables.prefix.isEmpty {
            try await connection.query("SELECT pg_notify(\(DashboardUpdates.channel), \(event.provinceCode))")
        }
    }
}
