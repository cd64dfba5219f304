import Foundation
import Postgres
import ReferralsContracts
import RegistryContracts

/// The counting tables of reintegration cases, counselling and community programmes (no names).
/// Each write takes many rows in one statement, at most one per row key; every write restates
/// an event, so an event applied twice changes nothing.
struct ReintegrationCountingStore {
    let connection: PostgresConnection
    var tables = CountingTables.live

    func saveCases(_ events: [ReferralEvents.CaseChanged]) async throws {
        guard !events.isEmpty else { return }
        try await connection.query(
            """
            INSERT INTO \(tables("cases")) (case_id, person_id, needs, opened_on, closed_on, commune_code, province_code)
            SELECT c.case_id, c.person_id, c.needs::text[], c.opened_on, c.closed_on, c.commune_code, c.province_code
            FROM unnest(\(events.map(\.caseId))::uuid[], \(events.map(\.personId))::uuid[], \(events.map { $0.needs.encodeText() })::text[],
                        \(events.map(\.openedOn))::date[], \(events.map(\.closedOn))::date[], \(events.map(\.communeCode))::text[],
                        \(events.map(\.provinceCode))::text[])
                AS c(case_id, person_id, needs, opened_on, closed_on, commune_code, province_code)
            ON CONFLICT (case_id) DO UPDATE SET needs = excluded.needs, opened_on = excluded.opened_on, closed_on = excluded.closed_on,
                commune_code = excluded.commune_code, province_code = excluded.province_code
            """)
    }

    func saveCounselling(_ events: [ReferralEvents.CounsellingGiven]) async throws {
        guard !events.isEmpty else { return }
        try await connection.query(
            """
            INSERT INTO \(tables("counselling")) (counselling_id, case_id, person_id, given_on)
            SELECT * FROM unnest(\(events.map(\.counsellingId))::uuid[], \(events.map(\.caseId))::uuid[], \(events.map(\.personId))::uuid[],
                                 \(events.map(\.givenOn))::date[])
            ON CONFLICT (counselling_id) DO NOTHING
            """)
    }

    /// Saves programme records; in the live tables, open dashboard pages of their provinces
    /// refresh once the transaction commits.
    func saveProgrammes(_ events: [ProgrammeEvents.Recorded]) async throws {
        guard !events.isEmpty else { return }
        try await connection.query(
            """
            INSERT INTO \(tables("programmes")) (record_id, kind, commune_code, province_code, on_date, count, group_type, year, until)
            SELECT * FROM unnest(\(events.map(\.recordId))::uuid[], \(events.map(\.kind))::text[], \(events.map(\.communeCode))::text[],
                                 \(events.map(\.provinceCode))::text[], \(events.map(\.onDate))::date[], \(events.map(\.count))::int8[],
                                 \(events.map(\.groupType))::text[], \(events.map(\.year))::int8[], \(events.map(\.until))::date[])
            ON CONFLICT (record_id) DO NOTHING
            """)
        if tables.prefix.isEmpty {
            let provinces = Set(events.map(\.provinceCode)).sorted()
            try await connection.query("SELECT pg_notify(\(DashboardUpdates.channel), code) FROM unnest(\(provinces)::text[]) AS code")
        }
    }
}
