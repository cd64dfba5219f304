import Foundation
import Postgres

/// Which facility follows which person (`registry.facility_episodes`, kept from the treatment
/// service's episode events): it decides what a facility's staff may see.
struct FacilityEpisodeStore {
    let connection: PostgresConnection

    /// Records the episode's current state.
    func save(episode: UUID, person: UUID, facility: UUID, startedOn: CalendarDate, endedOn: CalendarDate?) async throws {
        try await connection.query(
            """
            INSERT INTO registry.facility_episodes (episode_id, person_id, facility_id, started_on, ended_on)
            VALUES (\(episode), \(person), \(facility), \(startedOn), \(endedOn))
            ON CONFLICT (episode_id) DO UPDATE SET person_id = excluded.person_id, facility_id = excluded.facility_id,
                started_on = excluded.started_on, ended_on = excluded.ended_on
            """)
    }

    /// Forgets an episode no facility follows (treatment at family or community).
    func remove(_ episode: UUID) async throws {
        try await connection.query("DELETE FROM registry.facility_episodes WHERE episode_id = \(episode)")
    }
}
