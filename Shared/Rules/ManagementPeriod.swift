import Postgres

/// How long a person found using drugs illegally stays under management (quản lý người sử dụng
/// trái phép chất ma túy), under the regime in force on the day of the decision. The one place the
/// registry asks; the answer comes from the regimes' data (`StandardRegimes`).
public enum ManagementPeriod {
    static let book = RegimeBook(StandardRegimes.all)

    /// The management period of a decision dated `decided`, by the regime in force that day (the
    /// first regime for a decision older than every regime): one year under Law 73/2021/QH14 and
    /// under Law 120/2025/QH15 (reported, not yet checked against the law's text).
    public static func drugUser(decidedOn decided: CalendarDate) -> LegalDuration {
        let regime = book.inForce(on: decided) ?? book.regimes[0]
        guard let ruling = regime.duration(.management) else { preconditionFailure("\(regime.name) sets no management period") }
        let mark =
            switch ruling.provenance {
            case .enacted: ""
            case .reported: " (reported)"
            case .carriedOver: " (carried over)"
            }
        return LegalDuration(months: ruling.value.upperBound, rule: ruling.rule + mark)
    }
}
