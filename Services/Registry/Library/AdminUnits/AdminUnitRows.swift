import Foundation
import Postgres
import RegistryContracts
import ServiceKit

/// The rows of `registry.admin_units` and `registry.admin_unit_mapping`, parsed from the shipped CSV files.
struct AdminUnitRows {
    struct Unit {
        var generation: String
        var level: String
        var code: String
        var name: String
        var type: String?
        var parent: String?
        var province: String
        var validFrom: CalendarDate?
        var validTo: CalendarDate?
        var latitude: Double?
        var longitude: Double?
        var area: Double?
    }

    struct Mapping {
        let legacy: String
        let current: String
        let kind: String
    }

    var units: [Unit] = []
    var mapping: [Mapping] = []

    static let reform = CalendarDate(year: 2025, month: 7, day: 1)!
    static let lastLegacyDay = CalendarDate(year: 2025, month: 6, day: 30)!

    static func parse(_ files: AdminUnitLoader.Files) throws -> AdminUnitRows {
        var rows = AdminUnitRows()
        var provinces: Set<String> = []
        var districts: Set<String> = []
        func records(_ text: String, _ name: String, columns: Int) throws -> [CSVReader.Record] {
            let all = Array(CSVReader(text)).filter { !($0.fields.count == 1 && $0.fields[0].isEmpty) }
            for record in all.dropFirst() where record.fields.count != columns {
                throw AdminUnitLoadError(description: "\(name) line \(record.line): \(record.fields.count) fields, expected \(columns)")
            }
            return Array(all.dropFirst())
        }
        func provinceType(_ name: String) -> String { name.hasPrefix("Thành phố") ? "Thành phố" : "Tỉnh" }

        // province_code,province_name,commune_code,commune_name,commune_type,lat,lon,area_km2
        for record in try records(files.current, "vn-admin-units-2025.csv", columns: 8) {
            let f = record.fields
            if provinces.insert(AdminUnitGeneration.current.rawValue + f[0]).inserted {
                rows.units.append(
                    Unit(
                        generation: AdminUnitGeneration.current.rawValue, level: "province", code: f[0], name: f[1], type: provinceType(f[1]),
                        parent: nil, province: f[0], validFrom: reform))
            }
            rows.units.append(
                Unit(
                    generation: AdminUnitGeneration.current.rawValue, level: "commune", code: f[2], name: f[3], type: f[4].isEmpty ? nil : f[4],
                    parent: f[0],
                    province: f[0], validFrom: reform, latitude: Double(f[5]), longitude: Double(f[6]), area: Double(f[7])))
        }
        // province_code,province_name,district_code,district_name,district_type,commune_code,commune_name,commune_type
        for record in try records(files.legacy, "vn-admin-units-legacy.csv", columns: 8) {
            let f = record.fields
            if provinces.insert(AdminUnitGeneration.legacy.rawValue + f[0]).inserted {
                rows.units.append(
                    Unit(
                        generation: AdminUnitGeneration.legacy.rawValue, level: "province", code: f[0], name: f[1], type: provinceType(f[1]),
                        parent: nil, province: f[0], validTo: lastLegacyDay))
            }
            if districts.insert(f[2]).inserted {
                rows.units.append(
                    Unit(
                        generation: AdminUnitGeneration.legacy.rawValue, level: "district", code: f[2], name: f[3], type: f[4].isEmpty ? nil : f[4],
                        parent: f[0], province: f[0], validTo: lastLegacyDay))
            }
            guard !f[5].isEmpty else { continue }
            rows.units.append(
                Unit(
                    generation: AdminUnitGeneration.legacy.rawValue, level: "commune", code: f[5], name: f[6], type: f[7].isEmpty ? nil : f[7],
                    parent: f[2], province: f[0], validTo: lastLegacyDay))
        }
        // legacy_commune_code,commune_code_2025,kind
        for record in try records(files.mapping, "vn-admin-units-2025-mapping.csv", columns: 3) {
            rows.mapping.append(Mapping(legacy: record.fields[0], current: record.fields[1], kind: record.fields[2]))
        }
        return rows
    }

    static func insert(_ units: ArraySlice<Unit>, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO registry.admin_units
                (generation, level, code, name, unit_type, parent_code, province_code, search_name, valid_from, valid_to,
                 latitude, longitude, area_km2)
            SELECT * FROM unnest(
                \(units.map(\.generation))::text[], \(units.map(\.level))::text[], \(units.map(\.code))::text[],
                \(units.map(\.name))::text[], \(units.map(\.type))::text[], \(units.map(\.parent))::text[],
                \(units.map(\.province))::text[], \(units.map { SearchText.fold($0.name) })::text[],
                \(units.map(\.validFrom))::date[], \(units.map(\.validTo))::date[],
                \(units.map(\.latitude))::float8[], \(units.map(\.longitude))::float8[], \(units.map(\.area))::float8[])
            """)
    }
}
