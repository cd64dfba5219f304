import Postgres
import RegistryContracts

/// The 2025 communes and provinces of an area, read once per read of values: the unit above
/// each commune row, the communes the programme indicators count, and the units' names.
struct AreaUnits: Sendable {
    /// The area's communes and their provinces, by code.
    let communes: [(code: String, province: String)]
    private let provinces: [String: String]
    private let names: [String: String]

    init(communes: [(code: String, province: String)], names: [String: String]) {
        self.communes = communes
        provinces = Dictionary(communes.map { ($0.code, $0.province) }, uniquingKeysWith: { first, _ in first })
        self.names = names
    }

    static func load(area: ExportArea, on connection: PostgresConnection) async throws -> AreaUnits {
        let rows = try await connection.query(
            """
            SELECT u.code, u.level = 'commune', u.province_code, u.name FROM registry.admin_units u
            WHERE u.generation = \(AdminUnitGeneration.current) AND u.level IN ('commune', 'province')
              AND \(area.condition(province: "u.province_code", commune: "u.code"))
            ORDER BY u.code
            """)
        var communes: [(code: String, province: String)] = []
        var names: [String: String] = [:]
        for row in rows {
            let (code, isCommune, province, name) = try row.decode((String, Bool, String, String).self)
            if isCommune { communes.append((code, province)) }
            names[code] = name
        }
        return AreaUnits(communes: communes, names: names)
    }

    /// The unit whose total covers `area`'s rows: a commune's province, `VN` above a province,
    /// none above the country (`VN`) or a commune outside the area.
    func parent(of area: String) -> String? {
        switch area.utf8.count {
        case 2: "VN"
        case 5: provinces[area]
        default: nil
        }
    }

    /// The 2025 name of a commune or province of the area (none for `national` or a former district).
    func name(of code: String) -> String? { names[code] }
}
