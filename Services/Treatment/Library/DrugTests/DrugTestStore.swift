import ContractValues
import Foundation
import Postgres

/// Drug tests (`treatment.drug_tests`).
struct DrugTestStore {
    let connection: PostgresConnection

    /// What the person was in on `day`: aftercare, episode or none.
    func during(_ person: UUID, on day: CalendarDate) async throws -> String {
        try await connection.query(
            """
            SELECT CASE
                WHEN EXISTS (SELECT 1 FROM treatment.aftercare a WHERE a.person_id = \(person) AND a.status = 'active'
                             AND a.starts_on <= \(day) AND \(day) <= a.ends_on) THEN 'aftercare'
                WHEN EXISTS (SELECT 1 FROM treatment.episodes e WHERE e.person_id = \(person) AND e.started_on <= \(day)
                             AND (e.ended_on IS NULL OR \(day) <= e.ended_on)) THEN 'episode'
                ELSE 'none' END
            """)[0].decode(String.self, at: 0)
    }

    func insert(_ test: DrugTest, commune: String, province: String, by account: UUID) async throws {
        try await connection.query(
            """
            INSERT INTO treatment.drug_tests
                (id, person_id, tested_on, method, substances, positive, during, commune_code, province_code, recorded_by, recorded_at)
            VALUES (\(test.id), \(test.personId), \(test.testedOn), \(test.method.rawValue), \(test.substances.map(\.rawValue))::text[],
                    \(test.positive), \(test.during), \(commune), \(province), \(account), \(test.recordedAt))
            """)
    }

    /// A person's tests, the latest first, each with the relapse it recorded.
    func tests(of person: UUID) async throws -> [DrugTest] {
        try await connection.query(
            """
            SELECT t.id, t.tested_on, t.method, t.substances, t.positive, t.during, r.id, t.recorded_at
            FROM treatment.drug_tests t LEFT JOIN treatment.relapses r ON r.source = 'test' AND r.source_id = t.id
            WHERE t.person_id = \(person) ORDER BY t.tested_on DESC, t.recorded_at DESC
            """
        ).map { row in
            let (id, day, method, substances, positive, during, relapse, recorded) = try row.decode(
                (UUID, CalendarDate, String, [String], Bool, String, UUID?, Date).self)
            return DrugTest(
                id: id, personId: person, testedOn: day, method: DrugTest.Method(rawValue: method) ?? .urine,
                substances: substances.compactMap(Substance.init(rawValue:)), positive: positive, during: during, relapseId: relapse,
                recordedAt: recorded)
        }
    }
}
