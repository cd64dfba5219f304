import Access
import Postgres

/// Whether an account's jurisdiction names something that exists: a 2025 province or commune, a
/// registered facility, or an active partner organisation (kept by the referrals service, which
/// lets the registry read partners' ids).
enum JurisdictionCheck {
    static func problem(_ jurisdiction: Jurisdiction, on connection: PostgresConnection) async throws -> String? {
        switch jurisdiction {
        case .national:
            return nil
        case .partner(let id):
            do {
                let rows = try await connection.withSavepoint {
                    try await $0.query("SELECT active FROM referrals.partners WHERE id = \(id)")
                }
                guard let active = rows.first else { return "partner organisation \(id) is not registered" }
                return try active.decode(Bool.self, at: 0) ? nil : "partner organisation \(id) is deactivated"
            } catch let error as PostgresError where error.sqlState == SQLState.undefinedTable {
                return "partner organisations are not set up yet (the referrals service has not started)"
            }
        case .province(let code):
            return try await AdminUnitStore(connection: connection).provinceExists(code) ? nil : "province \(code) is not in the 2025 list"
        case .commune(let code):
            return try await AdminUnitStore(connection: connection).communeExists(code) ? nil : "commune \(code) is not in the 2025 list"
        case .facility(let id):
            return try await FacilityStore(connection: connection).exists(id) ? nil : "facility \(id) is not registered"
        }
    }
}
