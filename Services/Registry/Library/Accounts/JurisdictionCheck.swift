import Access
import Postgres
import RegistryContracts

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
            let rows = try await connection.query(
                "SELECT 1 FROM registry.admin_units WHERE generation = \(AdminUnitGeneration.current) AND level = 'province' AND code = \(code)")
            return rows.isEmpty ? "province \(code) is not in the 2025 list" : nil
        case .commune(let code):
            let rows = try await connection.query(
                "SELECT 1 FROM registry.admin_units WHERE generation = \(AdminUnitGeneration.current) AND level = 'commune' AND code = \(code)")
            return rows.isEmpty ? "commune \(code) is not in the 2025 list" : nil
        case .facility(let id):
            let rows = try await connection.query("SELECT 1 FROM registry.facilities WHERE id = \(id)")
            return rows.isEmpty ? "facility \(id) is not registered" : nil
        }
    }
}
