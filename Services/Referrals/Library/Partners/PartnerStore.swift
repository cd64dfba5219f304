import Foundation
import Postgres
import RegistryContracts
import ServiceKit

/// SQL for partner organisations; every method runs on the caller's connection.
struct PartnerStore {
    let connection: PostgresConnection

    /// Whether a current province code exists (read from the registry's shared units).
    func provinceExists(_ code: String) async throws -> Bool {
        try await !connection.query(
            "SELECT 1 FROM registry.admin_units WHERE generation = \(AdminUnitGeneration.current) AND level = 'province' AND code = \(code)"
        ).isEmpty
    }

    func insert(
        id: UUID, name: String, kind: Partner.Kind, province: String?, phone: String?, email: String?, address: String?, by account: UUID
    ) async throws -> Partner {
        try Partner(
            row: try await connection.query(
                """
                INSERT INTO referrals.partners (id, name, search_name, kind, province_code, phone, email, address, created_by)
                VALUES (\(id), \(name), \(SearchText.fold(name)), \(kind.rawValue), \(province), \(phone), \(email), \(address), \(account))
                RETURNING \(sql: Partner.columns)
                """
            )[0])
    }

    /// Partners of a province and the national ones (each filter optional), by name.
    func list(kind: String?, province: String?, search: String?, includeInactive: Bool, limit: Int) async throws -> [Partner] {
        try await connection.query(
            """
            SELECT \(sql: Partner.columns) FROM referrals.partners
            WHERE (active OR \(includeInactive))
              AND (\(kind)::text IS NULL OR kind = \(kind))
              AND (\(province)::text IS NULL OR province_code = \(province) OR province_code IS NULL)
              AND (\(search)::text IS NULL OR search_name LIKE '%' || \(search) || '%')
            ORDER BY search_name, id LIMIT \(limit)
            """
        ).map(Partner.init(row:))
    }

    func find(_ id: UUID) async throws -> Partner? {
        try await connection.query("SELECT \(sql: Partner.columns) FROM referrals.partners WHERE id = \(id)").first.map(Partner.init(row:))
    }

    /// Applies `assignments` (the fields a change sends); nil when there is no such partner.
    func update(_ id: UUID, _ assignments: [SQLFragment]) async throws -> Partner? {
        let all = SQLFragment(joining: assignments + ["updated_at = now()"], separator: ", ")
        return try await connection.query("UPDATE referrals.partners SET \(all) WHERE id = \(id) RETURNING \(sql: Partner.columns)").first
            .map(Partner.init(row:))
    }

    /// Stops new referrals to the partner; nil when there is no such partner.
    func deactivate(_ id: UUID) async throws -> Partner? {
        try await connection.query(
            """
            UPDATE referrals.partners SET active = false, updated_at = now() WHERE id = \(id)
            RETURNING \(sql: Partner.columns)
            """
        ).first.map(Partner.init(row:))
    }
}
