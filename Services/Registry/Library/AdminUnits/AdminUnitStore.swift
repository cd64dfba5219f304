import Postgres
import RegistryContracts

/// SQL for administrative units (`registry.admin_units`, which the other services read too);
/// every method runs on the caller's connection. Units of the current generation unless said.
struct AdminUnitStore {
    let connection: PostgresConnection

    func provinceExists(_ code: String) async throws -> Bool {
        try await !connection.query(
            "SELECT 1 FROM registry.admin_units WHERE generation = \(AdminUnitGeneration.current) AND level = 'province' AND code = \(code)"
        ).isEmpty
    }

    func communeExists(_ code: String) async throws -> Bool {
        try await province(ofCommune: code) != nil
    }

    /// The province of a commune, or nil when there is no such commune.
    func province(ofCommune code: String) async throws -> String? {
        try await connection.query(
            """
            SELECT province_code FROM registry.admin_units WHERE generation = \(AdminUnitGeneration.current) AND level = 'commune' AND code = \(code)
            """
        ).first?.decode(String.self, at: 0)
    }

    /// A residence's place from a commune code of `generation`: a 2025 commune as itself; a
    /// commune of the list before 2025 in the 2025 commune of its `whole` mapping row, or of its
    /// `divided-default` row when it was divided (a person lives in one commune: the default is the
    /// part that kept most of it; a later move corrects it). Nil when there is no such commune.
    func place(ofCommune code: String, generation: AdminUnitGeneration) async throws -> ResidencePlace? {
        guard generation == .legacy else {
            return try await province(ofCommune: code).map { ResidencePlace(communeCode: code, provinceCode: $0, legacyCommuneCode: nil) }
        }
        guard
            let row = try await connection.query(
                """
                SELECT m.commune_code, u.province_code FROM registry.admin_unit_mapping m
                JOIN registry.admin_units u ON u.generation = \(AdminUnitGeneration.current) AND u.level = 'commune' AND u.code = m.commune_code
                WHERE m.legacy_commune_code = \(code) AND m.kind IN ('whole', 'divided-default')
                """
            ).first
        else { return nil }
        let (commune, province) = try row.decode((String, String).self)
        return ResidencePlace(communeCode: commune, provinceCode: province, legacyCommuneCode: code)
    }

    /// Whether a pre-2025 province code exists (the first digits of a CCCD).
    func legacyProvinceExists(_ code: String) async throws -> Bool {
        try await !connection.query(
            "SELECT 1 FROM registry.admin_units WHERE generation = \(AdminUnitGeneration.legacy) AND level = 'province' AND code = \(code)"
        ).isEmpty
    }

    /// Every commune's province (commune code → province code).
    func communeProvinces() async throws -> [String: String] {
        var communes: [String: String] = [:]
        for row in try await connection.query(
            "SELECT code, province_code FROM registry.admin_units WHERE generation = \(AdminUnitGeneration.current) AND level = 'commune'")
        {
            let (code, province) = try row.decode((String, String).self)
            communes[code] = province
        }
        return communes
    }

    /// The pre-2025 province codes.
    func legacyProvinceCodes() async throws -> Set<String> {
        Set(
            try await connection.query(
                "SELECT code FROM registry.admin_units WHERE generation = \(AdminUnitGeneration.legacy) AND level = 'province'"
            ).map { try $0.decode(String.self, at: 0) })
    }

    /// The units under `parent` (the provinces without one) of `generation`, by code.
    func children(generation: String, parent: String?) async throws -> [AdminUnitRoutes.Unit] {
        try await connection.query(
            """
            SELECT \(sql: AdminUnitRoutes.columns) FROM registry.admin_units u
            WHERE u.generation = \(generation)
              AND CASE WHEN \(parent)::text IS NULL THEN u.level = 'province' ELSE u.parent_code = \(parent) END
            ORDER BY u.code
            """
        ).map(AdminUnitRoutes.unit)
    }

    /// Units whose folded name contains `text`: exact names first, then prefixes.
    func search(_ text: String, generation: String?, level: String?, limit: Int) async throws -> [AdminUnitRoutes.Unit] {
        try await connection.query(
            """
            SELECT \(sql: AdminUnitRoutes.columns) FROM registry.admin_units u
            WHERE u.search_name LIKE '%' || \(text) || '%'
              AND (\(generation)::text IS NULL OR u.generation = \(generation))
              AND (\(level)::text IS NULL OR u.level = \(level))
            ORDER BY (u.search_name = \(text)) DESC, (u.search_name LIKE \(text) || '%') DESC, u.generation, u.level DESC, u.code
            LIMIT \(limit)
            """
        ).map(AdminUnitRoutes.unit)
    }

    func unit(generation: String, level: String, code: String) async throws -> AdminUnitRoutes.Unit? {
        try await connection.query(
            """
            SELECT \(sql: AdminUnitRoutes.columns) FROM registry.admin_units u
            WHERE u.generation = \(generation) AND u.level = \(level) AND u.code = \(code)
            """
        ).first.map(AdminUnitRoutes.unit)
    }

    /// Across the reform: the current communes a legacy commune went to (`fromLegacy`), or the
    /// legacy communes a current commune was made from.
    func mapped(commune code: String, fromLegacy: Bool) async throws -> [AdminUnitRoutes.Mapped] {
        try await connection.query(
            """
            SELECT u.code, u.name, m.kind FROM registry.admin_unit_mapping m
            JOIN registry.admin_units u ON u.level = 'commune'
             AND u.generation = \(fromLegacy ? AdminUnitGeneration.current : AdminUnitGeneration.legacy)
             AND u.code = CASE WHEN \(fromLegacy) THEN m.commune_code ELSE m.legacy_commune_code END
            WHERE CASE WHEN \(fromLegacy) THEN m.legacy_commune_code ELSE m.commune_code END = \(code)
            ORDER BY u.code
            """
        ).map { row in
            let (code, name, kind) = try row.decode((String, String, String).self)
            return AdminUnitRoutes.Mapped(code: code, name: name, kind: kind)
        }
    }
}
