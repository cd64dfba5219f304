import Postgres
import RegistryContracts

/// The 2025 communes and provinces of an area, read once per read of values: the unit above
/// each commune row, the communes the programme indicators count, and the units' names.
/// A commune is found by its code without hashing (a table by the code's number): the country's
/// 3,321 communes are looked up for every programme record a read counts.
struct AreaUnits: Sendable {
    /// The area's communes and their provinces, in the order of their codes.
    let communes: [(code: String, province: String)]
    /// By a commune code's number (five digits): its place in `communes` plus one, 0 outside the area.
    private let ordinals: [Int32]
    /// The communes' names, in `communes`' order.
    private let communeNames: [String]
    /// The provinces' names, by code.
    private let provinceNames: [String: String]

    init(communes: [(code: String, province: String, name: String)], provinceNames: [String: String]) {
        self.communes = communes.map { ($0.code, $0.province) }
        communeNames = communes.map(\.name)
        self.provinceNames = provinceNames
        var ordinals = [Int32](repeating: 0, count: 100_000)
        for (index, commune) in communes.enumerated() {
            if let number = Self.number(ofCommune: commune.code) { ordinals[number] = Int32(index + 1) }
        }
        self.ordinals = ordinals
    }

    static func load(area: ExportArea, on connection: PostgresConnection) async throws -> AreaUnits {
        let rows = try await connection.query(
            """
            SELECT u.code, u.level = 'commune', u.province_code, u.name FROM registry.admin_units u
            WHERE u.generation = \(AdminUnitGeneration.current) AND u.level IN ('commune', 'province')
              AND \(area.condition(province: "u.province_code", commune: "u.code"))
            ORDER BY u.code
            """)
        var communes: [(code: String, province: String, name: String)] = []
        var provinceNames: [String: String] = [:]
        for row in rows {
            let (code, isCommune, province, name) = try row.decode((String, Bool, String, String).self)
            if isCommune { communes.append((code, province, name)) } else { provinceNames[code] = name }
        }
        return AreaUnits(communes: communes, provinceNames: provinceNames)
    }

    /// The place of commune `code` in `communes`; nil outside the area (or not a commune's code).
    func ordinal(ofCommune code: String) -> Int? {
        guard let number = Self.number(ofCommune: code) else { return nil }
        let ordinal = Int(ordinals[number])
        return ordinal == 0 ? nil : ordinal - 1
    }

    /// The unit whose total covers `area`'s rows: a commune's province, `VN` above a province,
    /// none above the country (`VN`) or a commune outside the area.
    func parent(of area: String) -> String? {
        switch area.utf8.count {
        case 2: "VN"
        case 5: ordinal(ofCommune: area).map { communes[$0].province }
        default: nil
        }
    }

    /// The 2025 name of a commune or province of the area (none for `national` or a former district).
    func name(of code: String) -> String? {
        if let ordinal = ordinal(ofCommune: code) { return communeNames[ordinal] }
        return provinceNames[code]
    }

    /// The number a commune's five-digit code spells; nil for any other text.
    private static func number(ofCommune code: String) -> Int? {
        var number = 0
        var digits = 0
        for byte in code.utf8 {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), digits < 5 else { return nil }
            number = number * 10 + Int(byte - UInt8(ascii: "0"))
            digits += 1
        }
        return digits == 5 ? number : nil
    }
}
