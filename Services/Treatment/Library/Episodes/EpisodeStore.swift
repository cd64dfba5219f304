import Access
import ContractValues
import Foundation
import Postgres
import Rules

/// Treatment episodes (`treatment.episodes`, their stages and placements) and the facilities they
/// may take place at (the registry's `treatment_facilities` view).
struct EpisodeStore {
    let connection: PostgresConnection

    /// `SELECT \(sql: EpisodeStore.select) WHERE …`: the columns `episode(_:)` decodes, from
    /// `treatment.episodes e`, stages and placements as JSON.
    private static let select: StaticString = """
        e.id, e.person_id, e.form, e.facility_id, e.supervisor, e.court, e.decision_number, e.decision_date, e.minor, e.occurrence,
        e.regime, e.planned_start, e.planned_end, e.term_reduction_months, e.term_reduced_on, e.term_reduction_decision,
        e.started_on, e.ended_on, e.status, e.discharge_reason, e.discharge_note, e.commune_code, e.province_code,
        e.created_at, e.updated_at, e.version,
        (SELECT coalesce(json_agg(json_build_object('stage', s.stage, 'completedOn', s.completed_on) ORDER BY s.completed_on, s.recorded_at), '[]')
         FROM treatment.episode_stages s WHERE s.episode_id = e.id),
        (SELECT coalesce(json_agg(json_build_object('facilityId', p.facility_id, 'from', p.from_date, 'to', p.to_date, 'reason', p.reason)
                                  ORDER BY p.from_date, p.to_date NULLS LAST), '[]')
         FROM treatment.episode_placements p WHERE p.episode_id = e.id)
        FROM treatment.episodes e
        """

    private static func episode(_ row: PostgresRow) throws -> Episode {
        let court: String? = try row.decode(at: 5)
        let number: String? = try row.decode(at: 6)
        let decided: CalendarDate? = try row.decode(at: 7)
        let reductionMonths: Int? = try row.decode(at: 13)
        let reducedOn: CalendarDate? = try row.decode(at: 14)
        let reductionDecision: String? = try row.decode(at: 15)
        let plannedEnd: CalendarDate? = try row.decode(at: 12)
        let occurrence: String = try row.decode(at: 9)
        return Episode(
            id: try row.decode(at: 0), personId: try row.decode(at: 1), form: try row.decode(at: 2), facilityId: try row.decode(at: 3),
            supervisor: try row.decode(at: 4),
            courtDecision: court.flatMap { court in
                number.flatMap { number in decided.map { Episode.CourtDecision(court: court, decisionNumber: number, decisionDate: $0) } }
            },
            minor: try row.decode(at: 8), occurrence: Occurrence(rawValue: occurrence) ?? .first, regime: try row.decode(at: 10),
            plannedStart: try row.decode(at: 11), plannedEnd: plannedEnd,
            termReduction: reductionMonths.flatMap { months in
                reducedOn.map { Episode.TermReduction(months: months, decidedOn: $0, decisionNumber: reductionDecision ?? "") }
            },
            termEnd: Episode.termEnd(plannedEnd: plannedEnd, reductionMonths: reductionMonths),
            startedOn: try row.decode(at: 16), endedOn: try row.decode(at: 17), status: try row.decode(at: 18),
            dischargeReason: try row.decode(at: 19), dischargeNote: try row.decode(at: 20),
            stages: try row.decode(JSONB<[Episode.StageRecord]>.self, at: 26).value,
            placements: try row.decode(JSONB<[Episode.Placement]>.self, at: 27).value, communeCode: try row.decode(at: 21),
            provinceCode: try row.decode(at: 22), createdAt: try row.decode(at: 23), updatedAt: try row.decode(at: 24),
            version: try row.decode(at: 25))
    }

    /// The episode, if `identity` may see it (nil: whoever may); `lock` holds it for a change
    /// until the transaction ends.
    func episode(_ id: UUID, visibleTo identity: Identity?, lock: Bool = false) async throws -> Episode? {
        let locking: SQLFragment = lock ? "FOR UPDATE OF e" : ""
        let visible = identity.map(EpisodeScope.visible) ?? "TRUE"
        return try await connection.query("SELECT \(sql: Self.select) WHERE e.id = \(id) AND (\(visible)) \(locking)")
            .first.map(Self.episode)
    }

    /// A person's episodes `identity` may see, the latest first.
    func episodes(of person: UUID, visibleTo identity: Identity) async throws -> [Episode] {
        try await connection.query(
            """
            SELECT \(sql: Self.select) WHERE e.person_id = \(person) AND (\(EpisodeScope.visible(identity)))
            ORDER BY e.planned_start DESC, e.created_at DESC
            """
        ).map(Self.episode)
    }

    /// The person's planned or active episodes (whoever may see them): id and form.
    func openEpisodes(of person: UUID) async throws -> [(id: UUID, form: TreatmentForm)] {
        try await connection.query(
            "SELECT id, form FROM treatment.episodes WHERE person_id = \(person) AND status IN ('planned', 'active') FOR UPDATE"
        ).map { try $0.decode((UUID, TreatmentForm).self) }
    }

    /// How many treatments (not substitution therapy) the person began before `day`; one that
    /// continued in another form (`transferred`) counts with what followed it.
    func treatmentsBegun(by person: UUID, before day: CalendarDate) async throws -> Int {
        try await connection.query(
            """
            SELECT count(*) FROM treatment.episodes
            WHERE person_id = \(person) AND form <> 'methadone' AND started_on IS NOT NULL AND started_on < \(day)
              AND status <> 'transferred'
            """
        )[0].decode(Int.self, at: 0)
    }

    /// The facility's kind, whether it is active, and its ownership (`public`, `private`); nil when
    /// the registry has none.
    func facility(_ id: UUID) async throws -> (kind: String, active: Bool, ownership: String)? {
        try await connection.query(
            "SELECT kind, active, ownership FROM registry.treatment_facilities WHERE facility_id = \(id)"
        ).first.map { try $0.decode((String, Bool, String).self) }
    }

    /// Serialises episode openings for one person (two concurrent openings cannot both pass the
    /// one-open-episode check).
    func lockPerson(_ person: UUID) async throws {
        try await connection.query("SELECT pg_advisory_xact_lock(hashtextextended(\("treatment.episode:" + person.lowercasedString), 0))")
    }

    func insert(_ episode: Episode, by account: UUID) async throws {
        try await connection.query(
            """
            INSERT INTO treatment.episodes
                (id, person_id, form, facility_id, supervisor, court, decision_number, decision_date, minor, occurrence, regime,
                 planned_start, planned_end, term_end, status, commune_code, province_code, created_by, created_at, updated_at)
            VALUES (\(episode.id), \(episode.personId), \(episode.form), \(episode.facilityId), \(episode.supervisor),
                    \(episode.courtDecision?.court), \(episode.courtDecision?.decisionNumber), \(episode.courtDecision?.decisionDate),
                    \(episode.minor), \(episode.occurrence.rawValue), \(episode.regime), \(episode.plannedStart), \(episode.plannedEnd),
                    \(episode.plannedEnd), \(episode.status), \(episode.communeCode), \(episode.provinceCode), \(account), \(episode.createdAt), \(episode.updatedAt))
            """)
    }

    /// Begins the episode on `day`; its term runs from then (`plannedEnd` and `termEnd` move with a
    /// late or early admission).
    /// The person registered for treatment on `day`: positive determinations waiting for it count
    /// as registered, and relapses waiting for a new treatment as resolved.
    func markRegistered(_ person: UUID, on day: CalendarDate) async throws {
        try await connection.query(
            "UPDATE treatment.determinations SET registered_on = \(day) WHERE person_id = \(person) AND positive AND registered_on IS NULL")
        try await connection.query("UPDATE treatment.relapses SET resolved_on = \(day) WHERE person_id = \(person) AND resolved_on IS NULL")
    }

    func start(_ id: UUID, on day: CalendarDate, plannedEnd: CalendarDate?, facility: UUID?) async throws {
        try await touch(id, "status = 'active', started_on = \(day), planned_end = \(plannedEnd), term_end = \(plannedEnd)")
        if let facility {
            try await connection.query(
                "INSERT INTO treatment.episode_placements (episode_id, facility_id, from_date, reason) VALUES (\(id), \(facility), \(day), 'admission')"
            )
        }
    }

    func completeStage(_ id: UUID, _ stage: TreatmentStage, on day: CalendarDate, by account: UUID) async throws {
        try await connection.query(
            """
            INSERT INTO treatment.episode_stages (episode_id, stage, completed_on, recorded_by)
            VALUES (\(id), \(stage.rawValue), \(day), \(account))
            """)
        try await touch(id)
    }

    func reduceTerm(_ id: UUID, months: Int, on day: CalendarDate, decision: String, termEnd: CalendarDate?) async throws {
        try await touch(
            id, "term_reduction_months = \(months), term_reduced_on = \(day), term_reduction_decision = \(decision), term_end = \(termEnd)")
    }

    func transfer(_ id: UUID, to facility: UUID, on day: CalendarDate, reason: String) async throws {
        try await connection.query("UPDATE treatment.episode_placements SET to_date = \(day) WHERE episode_id = \(id) AND to_date IS NULL")
        try await connection.query(
            "INSERT INTO treatment.episode_placements (episode_id, facility_id, from_date, reason) VALUES (\(id), \(facility), \(day), \(reason))")
        try await touch(id, "facility_id = \(facility)")
    }

    func end(_ id: UUID, reason: DischargeReason, on day: CalendarDate, note: String?) async throws {
        try await connection.query("UPDATE treatment.episode_placements SET to_date = \(day) WHERE episode_id = \(id) AND to_date IS NULL")
        try await touch(
            id, "status = \(reason.status), discharge_reason = \(reason), ended_on = \(day), discharge_note = \(note)")
    }

    /// The person's treatment record follows them to `commune` (its officers see it, and its
    /// deadline list shows it, from then on). Contacts keep the commune that logged them.
    func move(person: UUID, to commune: String, province: String) async throws {
        try await connection.query(
            """
            UPDATE treatment.episodes SET commune_code = \(commune), province_code = \(province), updated_at = now()
            WHERE person_id = \(person) AND commune_code <> \(commune)
            """)
        try await connection.query(
            """
            UPDATE treatment.aftercare SET commune_code = \(commune), province_code = \(province), updated_at = now()
            WHERE person_id = \(person) AND commune_code <> \(commune)
            """)
        for table: StaticString in [
            "treatment.determinations", "treatment.relapses", "treatment.drug_tests", "treatment.monitoring", "treatment.substance_declarations",
        ] {
            try await connection.query(
                "UPDATE \(sql: table) SET commune_code = \(commune), province_code = \(province) WHERE person_id = \(person) AND commune_code <> \(commune)"
            )
        }
    }

    /// Applies `assignments` and moves the version and update time on.
    private func touch(_ id: UUID, _ assignments: SQLFragment...) async throws {
        let all = SQLFragment(joining: assignments + ["version = version + 1", "updated_at = now()"], separator: ", ")
        try await connection.query("UPDATE treatment.episodes SET \(all) WHERE id = \(id)")
    }
}
