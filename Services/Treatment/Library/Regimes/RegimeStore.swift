import Foundation
import Postgres
import Rules

/// The regimes administrators added (`treatment.regimes`); with the shipped ones they make the
/// service's `RegimeBook`.
struct RegimeStore {
    let connection: PostgresConnection

    /// Every regime: the shipped ones and those added, in the order they came into force.
    func book() async throws -> RegimeBook {
        let added = try await connection.query("SELECT document FROM treatment.regimes ORDER BY effective_from")
            .map { try $0.decode(JSONB<Regime>.self, at: 0).value }
        return RegimeBook(StandardRegimes.all + added)
    }

    /// Adds `regime`; callers check it first, inside a transaction that called `lockForAdding`.
    func insert(_ regime: Regime, by account: UUID) async throws {
        try await connection.query(
            """
            INSERT INTO treatment.regimes (name, effective_from, document, created_by)
            VALUES (\(regime.name), \(regime.effectiveFrom), \(try JSONB(regime)), \(account))
            """)
    }

    /// Serialises additions, so that two regimes cannot both become the latest at once.
    func lockForAdding() async throws {
        try await connection.query("LOCK TABLE treatment.regimes IN SHARE ROW EXCLUSIVE MODE")
    }
}
