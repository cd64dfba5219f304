import Foundation
import Hummingbird
import Postgres

/// An indicator's values by area and period: each row its numerator, its denominator (for a
/// share), the value (a percentage for a share), and a loan amount where it has one. For other
/// agencies' keys a row whose numerator or denominator is from 1 to 4 is suppressed whole.
struct IndicatorValues: ResponseCodable, Sendable {
    struct Row: Codable, Sendable {
        let areaCode: String
        var areaName: String?
        /// The unit above the area (a commune's province, `VN` above a province), whose total
        /// covers its rows.
        var parentCode: String?
        let periodStart: CalendarDate
        let periodEnd: CalendarDate
        /// The breakdown's value (a treatment form), when the indicator has one.
        let breakdown: String?
        var numerator: Int?
        var denominator: Int?
        /// A share in percent with one decimal; a count as itself.
        var value: Double?
        var amountVnd: Int?
        var suppressed: Bool
        /// The plan's target for the unit and the period's year, if one is set.
        var target: Target?
        /// How far the value lies outside the target (negative below its minimum).
        var gap: Double?
        var status: Target.Status?
        /// For a change on the previous year: that year's value, numerator and denominator.
        var previousValue: Double?
        var previousNumerator: Int?
        var previousDenominator: Int?
        /// Set on rows of a former district's query: `legacy` for a former district (2025 data
        /// added up through the official mapping), `2025` for a commune formed across districts.
        var generation: String?
        /// Whether the value was mapped: a former district's row always; another when some of the
        /// people it counts were placed there by a residence the registry recorded under a commune
        /// of the list before 2025 (in its 2025 commune by the official mapping). A row by
        /// breakdown says what its unit's total says.
        var mapped: Bool?

        /// Whether a count it shows (numerator, denominator, or the previous year's for a change) is
        /// from 1 to `limit - 1`.
        func isSmall(limit: Int) -> Bool {
            [numerator, denominator, previousNumerator, previousDenominator].contains { value in value.map { $0 > 0 && $0 < limit } ?? false }
        }

        /// Hides every figure of the row (its target stays).
        mutating func suppress() {
            numerator = nil
            denominator = nil
            value = nil
            amountVnd = nil
            previousValue = nil
            previousNumerator = nil
            previousDenominator = nil
            gap = nil
            status = nil
            suppressed = true
        }
    }

    /// Attaches each row's target (the unit's, for the year its period ends in), gap and status;
    /// rows still in `grid` get them as they are made.
    mutating func attach(_ targets: TargetMatch) {
        if grid != nil {
            grid?.targets = targets
        } else {
            for index in items.indices { targets.apply(to: &items[index]) }
        }
    }

    let indicator: String
    let kind: Indicator.Kind
    let period: String
    /// The breakdown the rows are by, if any (`breakdown` of each row is its value).
    var breakdown: String? = nil
    /// The administrative units the rows are named by.
    let generation: String
    let parameters: [String: String]
    /// The rows, unless they are still in `grid`.
    var items: [Row]
    /// The figures whose rows are not made yet (`materialize()` makes them); never encoded.
    var grid: ValueGrid? = nil

    private enum CodingKeys: String, CodingKey {
        case indicator, kind, period, breakdown, generation, parameters, items
    }

    /// Makes the rows still in `grid` into `items`.
    mutating func materialize() {
        guard let grid else { return }
        items = grid.rows()
        self.grid = nil
    }

    /// Suppresses small cells and their complements in place (`CellSuppression`); the rows are made first.
    mutating func suppressSmallCells(limit: Int) -> CellSuppression.Report {
        materialize()
        return CellSuppression.apply(to: &items, limit: limit)
    }
}
