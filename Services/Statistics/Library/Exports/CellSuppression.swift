/// Small-cell suppression of indicator values for other agencies' keys, documented in
/// `docs/statistics.md`:
///
/// 1. **Primary**: a row showing a count (numerator, denominator, or the previous year's for a
///    change) from 1 to `limit - 1` is suppressed whole.
/// 2. **Complementary**: a suppressed row could be derived by subtracting its siblings from a total
///    the caller can also ask for: the rows of one period and breakdown value across the units of
///    one parent (whose total is the parent's row), and the rows of one period and unit across the
///    values of a breakdown (whose total is the row without breakdown). In any such group where
///    exactly one row is suppressed, the visible row with the smallest non-zero numerator (else the
///    smallest denominator) is suppressed too, and the check is repeated until no group has a lone
///    suppressed row.
enum CellSuppression {
    struct Report: Sendable, Equatable {
        var primary = 0
        var complementary = 0
        var total: Int { primary + complementary }
    }

    /// Suppresses `rows` (one indicator's) in place.
    static func apply(to rows: inout [IndicatorValues.Row], limit: Int) -> Report {
        var report = Report()
        for index in rows.indices where rows[index].isSmall(limit: limit) {
            rows[index].suppress()
            report.primary += 1
        }
        guard report.primary > 0 else { return report }
        var changed = true
        while changed {
            changed = false
            for grouping in Grouping.allCases {
                var groups: [String: [Int]] = [:]
                for index in rows.indices {
                    if let key = grouping.key(of: rows[index]) { groups[key, default: []].append(index) }
                }
                for key in groups.keys.sorted() {
                    guard let members = groups[key], members.filter({ rows[$0].suppressed }).count == 1 else { continue }
                    let visible = members.filter { !rows[$0].suppressed && ((rows[$0].numerator ?? 0) > 0 || (rows[$0].denominator ?? 0) > 0) }
                    guard
                        let smallest = visible.min(by: {
                            Self.order(rows[$0]) < Self.order(rows[$1])
                        })
                    else { continue }
                    rows[smallest].suppress()
                    report.complementary += 1
                    changed = true
                }
            }
        }
        return report
    }

    /// Which visible row goes first as a complement: the smallest non-zero numerator (a zero is
    /// often known anyway), then the smallest denominator, then the area code.
    private static func order(_ row: IndicatorValues.Row) -> (Int, Int, Int, String) {
        let numerator = row.numerator ?? 0
        return (numerator == 0 ? 1 : 0, numerator, row.denominator ?? 0, row.areaCode + (row.breakdown ?? ""))
    }

    /// The groups whose total a caller can ask for.
    private enum Grouping: CaseIterable {
        /// The units of one parent (whose row is their total), for one period and breakdown value.
        case siblings
        /// The values of a breakdown, for one period and unit.
        case breakdownValues

        func key(of row: IndicatorValues.Row) -> String? {
            switch self {
            case .siblings: "\(row.periodStart)|\(row.breakdown ?? "")|\(row.parentCode ?? "")"
            case .breakdownValues: row.breakdown.map { _ in "\(row.periodStart)|\(row.areaCode)" }
            }
        }
    }
}
