import Postgres

/// How long a person found using drugs illegally stays under management (quản lý người sử dụng
/// trái phép chất ma túy), under the rule in force on the day of the decision. The one place the
/// services ask; the treatment service's dated regimes will answer it from data.
public enum ManagementPeriod {
    /// The day Law 120/2025/QH15 came into force.
    static let law120 = CalendarDate(year: 2026, month: 7, day: 1)!

    /// The management period of a decision dated `decided`: one year under Law 73/2021/QH14 (to
    /// 2026-06-30), and one year under Law 120/2025/QH15 (from 2026-07-01; reported in the
    /// press, not yet checked against the law's text).
    public static func drugUser(decidedOn decided: CalendarDate) -> LegalDuration {
        decided < law120
            ? LegalDuration(months: 12, rule: "Law 73/2021/QH14, Art. 23: one year from the commune chairman's decision")
            : LegalDuration(months: 12, rule: "Law 120/2025/QH15: one year from the management decision (reported)")
    }
}
