import Access
import ContractValues
import Foundation
import Postgres
import ServiceKit

/// After-care periods (`treatment.aftercare`) with their contacts, support needs, places and
/// relapses.
struct AftercareStore {
    let connection: PostgresConnection

    private static let select: StaticString = """
        a.id, a.person_id, a.episode_id, a.form, a.regime, a.rule, a.starts_on, a.ends_on, a.status, a.supervisor_kind, a.supervisor_name,
        a.commune_code, a.province_code, a.ended_on, a.completion_note, a.version,
        (SELECT coalesce(json_agg(json_build_object('id', c.id, 'on', c.contact_on, 'kind', c.kind, 'note', c.note, 'communeCode', c.commune_code)
                                  ORDER BY c.contact_on, c.recorded_at), '[]')
         FROM treatment.aftercare_contacts c WHERE c.aftercare_id = a.id),
        (SELECT coalesce(json_agg(json_build_object('id', n.id, 'needs', n.needs, 'note', n.note, 'recordedOn', n.recorded_on)
                                  ORDER BY n.recorded_on, n.recorded_at), '[]')
         FROM treatment.support_needs n WHERE n.aftercare_id = a.id),
        (SELECT coalesce(json_agg(json_build_object('id', r.id, 'detectedOn', r.detected_on, 'source', r.source, 'effect', r.effect, 'rule', r.rule)
                                  ORDER BY r.detected_on), '[]')
         FROM treatment.relapses r WHERE r.aftercare_id = a.id)
        FROM treatment.aftercare a
        """

    private static func aftercare(_ row: PostgresRow) throws -> Aftercare {
        let kind: String? = try row.decode(at: 9)
        let name: String? = try row.decode(at: 10)
        return Aftercare(
            id: try row.decode(at: 0), personId: try row.decode(at: 1), episodeId: try row.decode(at: 2), form: try row.decode(at: 3),
            regime: try row.decode(at: 4), rule: try row.decode(at: 5), startsOn: try row.decode(at: 6), endsOn: try row.decode(at: 7),
            status: try row.decode(at: 8),
            supervisor: kind.flatMap(Aftercare.SupervisorKind.init(rawValue:)).flatMap { kind in name.map { .init(kind: kind, name: $0) } },
            communeCode: try row.decode(at: 11), provinceCode: try row.decode(at: 12), endedOn: try row.decode(at: 13),
            completionNote: try row.decode(at: 14), contacts: try row.decode(JSONB<[Aftercare.Contact]>.self, at: 16).value,
            supportNeeds: try row.decode(JSONB<[Aftercare.SupportNeed]>.self, at: 17).value,
            relapses: try row.decode(JSONB<[Aftercare.Relapse]>.self, at: 18).value, version: try row.decode(at: 15))
    }

    /// True for rows of `treatment.aftercare a` the caller may see: officers of the commune (or
    /// province) running it.
    static func visible(_ identity: Identity) -> SQLFragment {
        AreaScope.condition(identity, province: "a.province_code", commune: "a.commune_code")
    }

    func aftercare(_ id: UUID, visibleTo identity: Identity?, lock: Bool = false) async throws -> Aftercare? {
        let locking: SQLFragment = lock ? "FOR UPDATE OF a" : ""
        let visible = identity.map(Self.visible) ?? "TRUE"
        return try await connection.query("SELECT \(sql: Self.select) WHERE a.id = \(id) AND (\(visible)) \(locking)").first.map(Self.aftercare)
    }

    func aftercare(of person: UUID, visibleTo identity: Identity) async throws -> [Aftercare] {
        try await connection.query(
            "SELECT \(sql: Self.select) WHERE a.person_id = \(person) AND (\(Self.visible(identity))) ORDER BY a.starts_on DESC"
        ).map(Self.aftercare)
    }

    /// The person's active after-care, whatever its dates, locked.
    func running(of person: UUID) async throws -> Aftercare? {
        try await connection.query("SELECT \(sql: Self.select) WHERE a.person_id = \(person) AND a.status = 'active' FOR UPDATE OF a")
            .first.map(Self.aftercare)
    }

    /// The person's after-care that is active on `day`, locked.
    func active(of person: UUID, on day: CalendarDate) async throws -> Aftercare? {
        try await connection.query(
            """
            SELECT \(sql: Self.select) WHERE a.person_id = \(person) AND a.status = 'active' AND a.starts_on <= \(day) AND \(day) <= a.ends_on
            FOR UPDATE OF a
            """
        ).first.map(Self.aftercare)
    }

    /// The contacts `commune` logged between `from` and `to`, the latest first, whoever runs the
    /// after-care now.
    func contacts(loggedBy commune: String, from: CalendarDate, to: CalendarDate, limit: Int) async throws -> [AftercareRoutes.LoggedContact] {
        try await connection.query(
            """
            SELECT aftercare_id, person_id, id, contact_on, kind, note FROM treatment.aftercare_contacts
            WHERE commune_code = \(commune) AND contact_on BETWEEN \(from) AND \(to)
            ORDER BY contact_on DESC, recorded_at DESC LIMIT \(limit)
            """
        ).map { row in
            let (aftercare, person, id, on, kind, note) = try row.decode((UUID, UUID, UUID, CalendarDate, String, String?).self)
            return .init(
                aftercareId: aftercare, personId: person,
                contact: .init(id: id, on: on, kind: Aftercare.ContactKind(rawValue: kind) ?? .visit, note: note, communeCode: commune))
        }
    }

    func insert(_ aftercare: Aftercare) async throws {
        try await connection.query(
            """
            INSERT INTO treatment.aftercare
                (id, person_id, episode_id, form, regime, rule, starts_on, ends_on, status, commune_code, province_code)
            VALUES (\(aftercare.id), \(aftercare.personId), \(aftercare.episodeId), \(aftercare.form), \(aftercare.regime), \(aftercare.rule),
                    \(aftercare.startsOn), \(aftercare.endsOn), \(aftercare.status), \(aftercare.communeCode), \(aftercare.provinceCode))
            """)
        try await connection.query(
            """
            INSERT INTO treatment.aftercare_places (aftercare_id, commune_code, province_code, from_date)
            VALUES (\(aftercare.id), \(aftercare.communeCode), \(aftercare.provinceCode), \(aftercare.startsOn))
            """)
    }

    func extend(_ id: UUID, to day: CalendarDate) async throws {
        try await touch(id, "ends_on = \(day)")
    }

    func setSupervisor(_ id: UUID, _ supervisor: Aftercare.Supervisor) async throws {
        try await touch(id, "supervisor_kind = \(supervisor.kind.rawValue), supervisor_name = \(supervisor.name)")
    }

    func addContact(_ contact: Aftercare.Contact, to aftercare: Aftercare, by account: UUID) async throws {
        try await connection.query(
            """
            INSERT INTO treatment.aftercare_contacts (id, aftercare_id, person_id, contact_on, kind, note, commune_code, recorded_by)
            VALUES (\(contact.id), \(aftercare.id), \(aftercare.personId), \(contact.on), \(contact.kind.rawValue), \(contact.note),
                    \(contact.communeCode), \(account))
            """)
        try await touch(aftercare.id)
    }

    func addSupportNeed(_ need: Aftercare.SupportNeed, to aftercare: Aftercare, by account: UUID) async throws {
        try await connection.query(
            """
            INSERT INTO treatment.support_needs (id, aftercare_id, person_id, needs, note, recorded_on, recorded_by)
            VALUES (\(need.id), \(aftercare.id), \(aftercare.personId), \(need.needs.map(\.rawValue))::text[], \(need.note), \(need.recordedOn),
                    \(account))
            """)
        try await touch(aftercare.id)
    }

    func end(_ id: UUID, status: AftercareStatus, on day: CalendarDate, note: String?) async throws {
        try await touch(id, "status = \(status), ended_on = \(day), completion_note = \(note)")
    }

    func addRelapse(
        id: UUID, to aftercare: Aftercare, detectedOn day: CalendarDate, source: String, sourceID: UUID, effect: String, rule: String
    ) async throws {
        try await connection.query(
            """
            INSERT INTO treatment.relapses
                (id, person_id, aftercare_id, detected_on, source, source_id, effect, regime, rule, commune_code, province_code)
            VALUES (\(id), \(aftercare.personId), \(aftercare.id), \(day), \(source), \(sourceID), \(effect), \(aftercare.regime), \(rule),
                    \(aftercare.communeCode), \(aftercare.provinceCode))
            """)
    }

    /// Moves the person's active after-care to `commune` from `day`; returns the after-care
    /// moved and the commune it left, nil when there is none or it is there already.
    func move(person: UUID, to commune: String, province: String, on day: CalendarDate) async throws -> (id: UUID, from: String)? {
        guard
            let (id, from) = try await connection.query(
                "SELECT id, commune_code FROM treatment.aftercare WHERE person_id = \(person) AND status = 'active' FOR UPDATE"
            ).first.map({ try $0.decode((UUID, String).self) }), from != commune
        else { return nil }
        try await touch(id, "commune_code = \(commune), province_code = \(province)")
        try await connection.query(
            """
            INSERT INTO treatment.aftercare_places (aftercare_id, commune_code, province_code, from_date)
            VALUES (\(id), \(commune), \(province), \(day))
            """)
        return (id, from)
    }

    private func touch(_ id: UUID, _ assignments: SQLFragment...) async throws {
        let all = SQLFragment(joining: assignments + ["version = version + 1", "updated_at = now()"], separator: ", ")
        try await connection.query("UPDATE treatment.aftercare SET \(all) WHERE id = \(id)")
    }
}
