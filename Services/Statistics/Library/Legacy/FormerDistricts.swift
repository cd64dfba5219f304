import Foundation
import Postgres
import RegistryContracts

/// The district each 2025 commune belonged to before 2025-07-01, where the official mapping
/// (`registry.admin_unit_mapping`) gives one: the old communes it was mainly formed from (those
/// that went into it `whole`, and the `divided-default` ones, whose larger part it took) all lay
/// in one district; the small `divided` parts it took from others do not count. 2025 data is
/// shown under a former district by adding up its communes, each whole; a commune whose main
/// sources lay in several districts keeps its own row, marked as not mapped.
struct FormerDistricts: Sendable {
    struct District: Sendable {
        let code: String
        let name: String
        /// Its province (of the list before 2025).
        let province: String
    }

    /// By 2025 commune code.
    let districts: [String: District]

    static func load(on connection: PostgresConnection) async throws -> FormerDistricts {
        let rows = try await connection.query(
            """
            SELECT m.commune_code, min(l.parent_code), min(d.name), min(d.province_code)
            FROM registry.admin_unit_mapping m
            JOIN registry.admin_units l ON l.generation = \(AdminUnitGeneration.legacy) AND l.level = 'commune' AND l.code = m.legacy_commune_code
            JOIN registry.admin_units d ON d.generation = \(AdminUnitGeneration.legacy) AND d.level = 'district' AND d.code = l.parent_code
            WHERE m.kind IN ('whole', 'divided-default')
            GROUP BY m.commune_code
            HAVING count(DISTINCT l.parent_code) = 1
            """)
        var districts: [String: District] = [:]
        for row in rows {
            let (commune, code, name, province) = try row.decode((String, String, String, String).self)
            districts[commune] = District(code: code, name: name, province: province)
        }
        return FormerDistricts(districts: districts)
    }

    /// Rows by 2025 commune added up by former district (counts, denominators and amounts summed,
    /// values recomputed); a commune without a single former district keeps its row. Every row
    /// says its generation and whether it was mapped. With `sharedDenominator` (the mix by form:
    /// every row of a commune and period has the commune's total as denominator, and a form it
    /// lacks has no row), a district's denominator is the sum of its communes' totals, each once.
    func regroup(_ rows: [IndicatorValues.Row], sharedDenominator: Bool = false) -> [IndicatorValues.Row] {
        var grouped: [String: IndicatorValues.Row] = [:]
        var order: [String] = []
        var totals: [String: Int] = [:]
        var counted: Set<String> = []
        for row in rows {
            guard let district = districts[row.areaCode] else {
                var kept = row
                kept.generation = AdminUnitGeneration.current.rawValue
                kept.mapped = row.mapped ?? false
                let key = "\(row.periodStart)|\(row.areaCode)|\(row.breakdown ?? "")"
                grouped[key] = kept
                order.append(key)
                continue
            }
            if sharedDenominator, counted.insert("\(row.periodStart)|\(row.areaCode)").inserted {
                totals["\(row.periodStart)|\(district.code)", default: 0] += row.denominator ?? 0
            }
            let key = "\(row.periodStart)|\(district.code)|\(row.breakdown ?? "")"
            guard var sum = grouped[key] else {
                var first = IndicatorValues.Row(
                    areaCode: district.code, areaName: district.name, periodStart: row.periodStart, periodEnd: row.periodEnd,
                    breakdown: row.breakdown, numerator: row.numerator, denominator: row.denominator, value: nil, amountVnd: row.amountVnd,
                    suppressed: false)
                first.parentCode = district.province
                first.generation = AdminUnitGeneration.legacy.rawValue
                first.mapped = true
                grouped[key] = first
                order.append(key)
                continue
            }
            sum.numerator = (sum.numerator ?? 0) + (row.numerator ?? 0)
            sum.denominator = sum.denominator.map { $0 + (row.denominator ?? 0) }
            sum.amountVnd = sum.amountVnd.map { $0 + (row.amountVnd ?? 0) }
            grouped[key] = sum
        }
        return order.compactMap { key in
            guard var row = grouped[key] else { return nil }
            if row.mapped == true {
                if sharedDenominator, row.denominator != nil { row.denominator = totals["\(row.periodStart)|\(row.areaCode)"] }
                let numerator = row.numerator ?? 0
                row.value = row.denominator.map { $0 > 0 ? Double((numerator * 2000 / $0 + 1) / 2) / 10 : nil } ?? Double(numerator)
            }
            return row
        }
    }
}
