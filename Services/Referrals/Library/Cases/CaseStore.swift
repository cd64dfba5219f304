import Access
import Foundation
import Postgres
import ServiceKit

/// Reintegration cases (`referrals.cases`) and their counselling.
struct CaseStore {
    let connection: PostgresConnection

    private static let select: StaticString = """
        k.id, k.person_id, k.aftercare_id, k.status, k.opened_on, k.closed_on, k.close_reason, k.close_note, k.needs, k.skills,
        k.prior_work, k.assessed_on, k.commune_code, k.province_code, k.version,
        (SELECT coalesce(json_agg(json_build_object('id', c.id, 'givenOn', c.given_on, 'givenBy', c.given_by, 'topic', c.topic)
                                  ORDER BY c.given_on, c.recorded_at), '[]')
         FROM referrals.counselling c WHERE c.case_id = k.id)
        FROM referrals.cases k
        """

    private static func reintegrationCase(_ row: PostgresRow) throws -> ReintegrationCase {
        let needs: [String] = try row.decode(at: 8)
        let status: String = try row.decode(at: 3)
        return ReintegrationCase(
            id: try row.decode(at: 0), personId: try row.decode(at: 1), aftercareId: try row.decode(at: 2),
            status: ReintegrationCase.Status(rawValue: status) ?? .open, openedOn: try row.decode(at: 4), closedOn: try row.decode(at: 5),
            closeReason: try row.decode(at: 6), closeNote: try row.decode(at: 7), needs: needs.compactMap(ReintegrationCase.Need.init(rawValue:)),
            skills: try row.decode(at: 9), priorWork: try row.decode(at: 10), assessedOn: try row.decode(at: 11),
            counselling: try row.decode(JSONB<[ReintegrationCase.Counselling]>.self, at: 15).value, communeCode: try row.decode(at: 12),
            provinceCode: try row.decode(at: 13), version: try row.decode(at: 14))
    }

    /// True for cases `k` the caller may see: officers of the commune or province following it.
    static func visible(_ identity: Identity) -> SQLFragment {
        AreaScope.condition(identity, province: "k.province_code", commune: "k.commune_code")
    }

    func reintegrationCase(_ id: UUID, visibleTo identity: Identity?, lock: Bool = false) async throws -> ReintegrationCase? {
        let locking: SQLFragment = lock ? "FOR UPDATE OF k" : ""
        return try await connection.query(
            "SELECT \(sql: Self.select) WHERE k.id = \(id) AND (\(identity.map(Self.visible) ?? "TRUE")) \(locking)"
        ).first.map(Self.reintegrationCase)
    }

    /// The case of an after-care period, whoever may see it.
    func reintegrationCase(ofAftercare aftercare: UUID) async throws -> ReintegrationCase? {
        try await connection.query("SELECT \(sql: Self.select) WHERE k.aftercare_id = \(aftercare) FOR UPDATE OF k").first
            .map(Self.reintegrationCase)
    }

    /// The cases `identity` may see, open ones first then by opening day (latest first), at most `limit`.
    func cases(visibleTo identity: Identity, status: String?, commune: String?, limit: Int) async throws -> [ReintegrationCase] {
        // Filters written only when given, so a cached generic plan can still use the indexes.
        let withStatus: SQLFragment = status.map { "k.status = \($0)" } ?? "TRUE"
        let inCommune: SQLFragment = commune.map { "k.commune_code = \($0)" } ?? "TRUE"
        return try await connection.query(
            """
            SELECT \(sql: Self.select) WHERE (\(Self.visible(identity))) AND \(withStatus) AND \(inCommune)
            ORDER BY k.status = 'open' DESC, k.opened_on DESC, k.id LIMIT \(limit)
            """
        ).map(Self.reintegrationCase)
    }

    func cases(of person: UUID, visibleTo identity: Identity) async throws -> [ReintegrationCase] {
        try await connection.query(
            "SELECT \(sql: Self.select) WHERE k.person_id = \(person) AND (\(Self.visible(identity))) ORDER BY k.opened_on DESC"
        ).map(Self.reintegrationCase)
    }

    /// Opens the case of an after-care period; false when it exists already (a replayed event).
    func open(
        id: UUID, person: UUID, aftercare: UUID, on day: CalendarDate, needs: [String], commune: String, province: String
    ) async throws -> Bool {
        try await !connection.query(
            """
            INSERT INTO referrals.cases (id, person_id, aftercare_id, status, opened_on, needs, commune_code, province_code)
            VALUES (\(id), \(person), \(aftercare), 'open', \(day), \(needs)::text[], \(commune), \(province))
            ON CONFLICT (aftercare_id) DO NOTHING RETURNING id
            """
        ).isEmpty
    }

    /// Adds `needs` to those the case has (each once, in the order of `ReintegrationCase.Need`, as
    /// an assessment stores them: matching ranks offers by it).
    func addNeeds(_ id: UUID, _ needs: [String]) async throws {
        let order = ReintegrationCase.Need.allCases.map(\.rawValue)
        try await touch(
            id, "needs = ARRAY(SELECT n FROM unnest(\(order)::text[]) WITH ORDINALITY AS o(n, i) WHERE n = ANY(needs || \(needs)::text[]) ORDER BY i)"
        )
    }

    func assess(_ id: UUID, needs: [String], skills: String?, priorWork: String?, on day: CalendarDate, by account: UUID) async throws {
        try await touch(
            id, "needs = \(needs)::text[], skills = \(skills), prior_work = \(priorWork), assessed_on = \(day), assessed_by = \(account)")
    }

    func addCounselling(_ counselling: ReintegrationCase.Counselling, to id: UUID, by account: UUID) async throws {
        try await connection.query(
            """
            INSERT INTO referrals.counselling (id, case_id, given_on, given_by, topic, recorded_by)
            VALUES (\(counselling.id), \(id), \(counselling.givenOn), \(counselling.givenBy), \(counselling.topic), \(account))
            """)
        try await touch(id)
    }

    func close(_ id: UUID, on day: CalendarDate, reason: String, note: String?) async throws {
        try await touch(id, "status = 'closed', closed_on = \(day), close_reason = \(reason), close_note = \(note)")
    }

    /// Hands the person's open cases to `commune`; returns their ids.
    func handOver(person: UUID, to commune: String, province: String) async throws -> [UUID] {
        try await connection.query(
            """
            UPDATE referrals.cases SET commune_code = \(commune), province_code = \(province), version = version + 1, updated_at = now()
            WHERE person_id = \(person) AND status = 'open' AND commune_code <> \(commune) RETURNING id
            """
        ).map { try $0.decode(UUID.self, at: 0) }
    }

    private func touch(_ id: UUID, _ assignments: SQLFragment...) async throws {
        let all = SQLFragment(joining: assignments + ["version = version + 1", "updated_at = now()"], separator: ", ")
        try await connection.query("UPDATE referrals.cases SET \(all) WHERE id = \(id)")
    }
}
