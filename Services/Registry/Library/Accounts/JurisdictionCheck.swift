import Access
import Postgres

/// Whether an account's jurisdiction names something that exists: a 2025 province or commune, or
/// a registered facility. Partner organisations are kept by the referrals service and are not
/// checked here.
enum JurisdictionCheck {
    static func problem(_ jurisdiction: Jurisdiction, on connection: PostgresConnection) async throws -> String? {
        switch jurisdiction {
        case .national, .partner:
            return nil
        case .province(let code):
            let rows = try await connection.query(
                "SELECT 1 FROM registry.admin_units WHERE generation = '2025' AND level = 'province' AND code = \(code)")
            return rows.isEmpty ? "province \(code) is not in the 2025 list" : nil
        case .commune(let code):
            let rows = try await connection.query(
                "SELECT 1 FROM registry.admin_units WHERE generation = '2025' AND level = 'commune' AND code = \(code)")
            return rows.isEmpty ? "commune \(code) is not in the 2025 list" : nil
        case .facility(let id):
            let rows = try await connection.query("SELECT 1 FROM registry.facilities WHERE id = \(id)")
            return rows.isEmpty ? "facility \(id) is not registered" : nil
        }
    }
}
