/// Every indicator the service defines: those of the provinces' plans (the brief's table) and the
/// counts behind them. `GET /v1/indicators` serves it and `docs/indicators.md` is generated from
/// it, so the two never differ.
enum IndicatorCatalogue {
    static let treatmentForms = "voluntary_community, voluntary_facility, compulsory, methadone, social_protection_centre"
    static let facilityForms = Contributions.facilityForms.joined(separator: ", ")

    /// The definitions, each computed one with its formula's breakdowns.
    static let all: [Indicator] = definitions.map { definition in
        var indicator = definition
        if let computation = Computation.all[indicator.id] {
            indicator.computed = true
            indicator.breakdowns = computation.breakdowns
        }
        return indicator
    }

    private static let definitions: [Indicator] = [
        Indicator(
            id: "people_under_management", name: "People under management", nameVi: "Người đang được quản lý", kind: .count, period: .stock,
            numerator: "People whose management status on the day is drug_user, addicted, in_treatment or in_aftercare, where they lived that day",
            denominator: nil, changeOf: nil,
            feeds: ["registry.person.registered", "registry.person.status_changed", "registry.person.moved", "registry.person.changed"],
            breakdowns: [.sex, .ageBand, .ethnicity, .substance], exampleTarget: nil),
        Indicator(
            id: "determinations", name: "Determinations of addiction", nameVi: "Số lượt xác định tình trạng nghiện", kind: .count,
            period: .flow, numerator: "Determinations with a day in the period, positive and negative (the breakdown `result`), where recorded",
            denominator: nil, changeOf: nil, feeds: ["treatment.determination.recorded"], breakdowns: [.sex, .ageBand], exampleTarget: nil),
        Indicator(
            id: "people_in_treatment", name: "People in treatment", nameVi: "Người đang cai nghiện", kind: .count, period: .stock,
            numerator:
                "Episodes begun on or before the day and not ended before it, in the commune that opened them, by form (\(treatmentForms)) "
                + "and by place (community, or the ownership and kind of the facility the episode began at); "
                + "someone in substitution therapy alongside community treatment counts in both",
            denominator: nil, changeOf: nil, feeds: ["treatment.episode.started", "treatment.episode.ended"], breakdowns: [],
            exampleTarget: nil),
        Indicator(
            id: "treated_share", name: "Share of people with addiction on record who are treated", nameVi: "Tỷ lệ người nghiện được cai nghiện",
            kind: .share, period: .stock,
            numerator: "Of the denominator, people whose status on the day is in_treatment or in_aftercare",
            denominator: "People whose status on the day is addicted, in_treatment or in_aftercare (addiction on record), where they lived that day",
            changeOf: nil, feeds: ["registry.person.status_changed", "registry.person.moved"], breakdowns: [],
            exampleTarget: "70% (Đồng Tháp 2023); 80-85% (Thừa Thiên-Huế)"),
        Indicator(
            id: "compulsory_share", name: "Share of those treated who are in compulsory treatment",
            nameVi: "Tỷ lệ cai nghiện bắt buộc trong số người được cai nghiện", kind: .share, period: .flow,
            numerator: "Compulsory episodes begun in the period", denominator: "Episodes of every form begun in the period, where opened",
            changeOf: nil, feeds: ["treatment.episode.started"], breakdowns: [], exampleTarget: "at least 50% (Đồng Tháp)"),
        Indicator(
            id: "treatment_mix", name: "Mix of treatment by form", nameVi: "Cơ cấu các hình thức cai nghiện", kind: .share, period: .flow,
            numerator: "Episodes of each form begun in the period (one row per form)",
            denominator: "Episodes of every form begun in the period, where opened", changeOf: nil, feeds: ["treatment.episode.started"],
            breakdowns: [], exampleTarget: "family/community ~30%, social protection centre 5-10%, methadone the rest (Thừa Thiên-Huế)"),
        Indicator(
            id: "aftercare_coverage", name: "After-care coverage of those who completed facility treatment",
            nameVi: "Tỷ lệ người hoàn thành cai nghiện tại cơ sở được quản lý sau cai", kind: .share, period: .flow,
            numerator: "Of the denominator, those whose after-care began the day after the episode's end",
            denominator: "Episodes at a facility (\(facilityForms)) completed in the period, where opened", changeOf: nil,
            feeds: ["treatment.episode.ended", "treatment.aftercare.started"], breakdowns: [], exampleTarget: "100%"),
        Indicator(
            id: "people_in_aftercare", name: "People in after-care", nameVi: "Người đang được quản lý sau cai nghiện", kind: .count,
            period: .stock,
            numerator: "After-care begun on or before the day and not ended before it (while open, until its planned end), where begun",
            denominator: nil, changeOf: nil, feeds: ["treatment.aftercare.started", "treatment.aftercare.ended"], breakdowns: [],
            exampleTarget: nil),
        Indicator(
            id: "relapse_rate", name: "Relapse rate", nameVi: "Tỷ lệ tái nghiện", kind: .share, period: .flow,
            numerator: "Relapses recorded in the period (a positive test or determination during after-care, which ends it)",
            denominator: "After-care open on at least one day of the period", changeOf: nil,
            feeds: ["treatment.relapse.recorded", "treatment.aftercare.started", "treatment.aftercare.ended"], breakdowns: [],
            exampleTarget: nil),
        Indicator(
            id: "relapse_rate_change", name: "Relapse rate, change on the previous year", nameVi: "Mức giảm tỷ lệ tái nghiện so với năm trước",
            kind: .change, period: .flow,
            numerator:
                "(relapse_rate of the period - relapse_rate of the same period a year before) / the latter, in percent "
                + "(with the earlier value as previousValue; no row where the earlier rate is 0)",
            denominator: nil, changeOf: "relapse_rate", feeds: ["treatment.relapse.recorded", "treatment.aftercare.started"], breakdowns: [],
            exampleTarget: "down by more than 5%"),
        Indicator(
            id: "vocational_counselling_share", name: "Share of those needing it who get vocational counselling",
            nameVi: "Tỷ lệ được tư vấn nghề", kind: .share, period: .flow,
            numerator: "Of the denominator, the cases counselled on or before the period's last day (and within the case)",
            denominator:
                "Reintegration cases open on at least one day of the period whose needs include vocational_training or job, "
                + "in the commune following each case",
            changeOf: nil, feeds: ["referrals.case.changed", "referrals.case.counselling_given"], breakdowns: [], exampleTarget: "over 50%"),
        Indicator(
            id: "vocational_training_share", name: "Share of those needing it who get vocational training",
            nameVi: "Tỷ lệ được dạy nghề", kind: .share, period: .flow,
            numerator: "Of the denominator, the cases whose person enrolled in a course (a vocational_training referral's enrol step) "
                + "on or before the period's last day, within the case",
            denominator: "Reintegration cases open on at least one day of the period whose needs include vocational_training", changeOf: nil,
            feeds: ["referrals.case.changed", "referrals.referral.step_recorded"], breakdowns: [], exampleTarget: "over 50%"),
        Indicator(
            id: "job_referral_share", name: "Share of those needing it who are referred to a job", nameVi: "Tỷ lệ được giới thiệu việc làm",
            kind: .share, period: .flow,
            numerator: "Of the denominator, the cases whose person was sent on a job referral on or before the period's last day, within the case",
            denominator: "Reintegration cases open on at least one day of the period whose needs include job", changeOf: nil,
            feeds: ["referrals.case.changed", "referrals.referral.step_recorded"], breakdowns: [], exampleTarget: "over 50%"),
        Indicator(
            id: "loans", name: "Loans disbursed", nameVi: "Số lượt và số tiền cho vay", kind: .amount, period: .flow,
            numerator: "Loans disbursed in the period: their number and their total in đồng, where the referral was made", denominator: nil,
            changeOf: nil, feeds: ["referrals.referral.step_recorded"], breakdowns: [], exampleTarget: nil),
        Indicator(
            id: "campaign_communes_share", name: "Share of communes reached by awareness campaigns",
            nameVi: "Tỷ lệ xã được tuyên truyền", kind: .share, period: .flow,
            numerator: "Communes with a campaign recorded in the period", denominator: "Communes of the area (2025 list)", changeOf: nil,
            feeds: ["registry.programme.recorded"], breakdowns: [], exampleTarget: "90-100%"),
        Indicator(
            id: "aftercare_model_communes_share", name: "Share of communes applying an after-care model",
            nameVi: "Tỷ lệ xã có mô hình quản lý sau cai", kind: .share, period: .stock,
            numerator: "Communes with an after-care model applied since on or before the day and not ended before it",
            denominator: "Communes of the area (2025 list)", changeOf: nil, feeds: ["registry.programme.recorded"], breakdowns: [],
            exampleTarget: "Hà Nội: 20-30% (2021), 30-40%, 40-60%, 60-80%, 100% (2025)"),
        Indicator(
            id: "drug_free_communes", name: "Drug-free communes", nameVi: "Số xã không có ma túy", kind: .count, period: .stock,
            numerator: "Communes recognised drug-free by the province on or before the day", denominator: nil, changeOf: nil,
            feeds: ["registry.programme.recorded"], breakdowns: [], exampleTarget: nil),
        Indicator(
            id: "communes_turned_drug_free", name: "Communes turned drug-free in the year, per former district",
            nameVi: "Số xã được công nhận không có ma túy trong năm, theo huyện cũ", kind: .count, period: .flow,
            numerator: "Communes recognised drug-free in the period, by the district they belonged to before 2025-07-01", denominator: nil,
            changeOf: nil, feeds: ["registry.programme.recorded"], breakdowns: [],
            exampleTarget: "at least one commune per district each year (Đồng Tháp)"),
        Indicator(
            id: "volunteer_teams_and_clubs", name: "Volunteer social-work teams and clubs",
            nameVi: "Số đội công tác xã hội tình nguyện và câu lạc bộ",
            kind: .count, period: .stock, numerator: "Volunteer teams and support clubs founded on or before the day", denominator: nil,
            changeOf: nil, feeds: ["registry.programme.recorded"], breakdowns: [], exampleTarget: "Ứng Hòa 2020: 29 volunteer teams"),
        Indicator(
            id: "staff_trained_share", name: "Share of treatment and after-care staff trained", nameVi: "Tỷ lệ cán bộ được tập huấn",
            kind: .share, period: .flow,
            numerator:
                "Training records (one per worker trained) dated in the period and in the year of its last day, in communes with a workforce declared for that year",
            denominator:
                "Treatment and after-care workers the communes declared for the period's year (each commune's latest workforce record for that year made by the period's last day)",
            changeOf: nil, feeds: ["registry.programme.recorded"], breakdowns: [], exampleTarget: "100%"),
    ]

    /// The indicator with `id`.
    static func indicator(_ id: String) -> Indicator? { all.first { $0.id == id } }

    /// `docs/indicators.md`.
    static func markdown() -> String {
        var text = """
            # Indicator catalogue

            Generated from `Services/Statistics/Library/Indicators/IndicatorCatalogue.swift` (the same definitions
            `GET /v1/indicators` serves); do not edit by hand. A **stock** is counted on a day (a period's last
            day when a period is asked); a **flow** during a period, from its first day to its last. Each is
            counted where it happened: a person's status where they lived that day, an episode or after-care in
            the commune that opened it, an event where it was recorded. Computed indicators are served from the
            live aggregates (`docs/statistics.md`); their breakdowns are the ones listed. Event types are those
            of `docs/events.md`.

            | id | indicator | kind | period | example target |
            |---|---|---|---|---|

            """
        for indicator in all {
            text +=
                "| `\(indicator.id)` | \(indicator.name) (\(indicator.nameVi)) | \(indicator.kind.rawValue) | \(indicator.period.rawValue) | \(indicator.exampleTarget ?? "") |\n"
        }
        for indicator in all {
            text += "\n## `\(indicator.id)`: \(indicator.name)\n\n"
            text +=
                "\(indicator.nameVi). A \(indicator.kind.rawValue), \(indicator.period.rawValue == "stock" ? "a stock on a day" : "a flow during a period").\n\n"
            text += "- **Counts:** \(indicator.numerator).\n"
            if let denominator = indicator.denominator { text += "- **Out of:** \(denominator).\n" }
            if let base = indicator.changeOf { text += "- **Compares:** `\(base)` year on year.\n" }
            text += "- **Fed by:** \(indicator.feeds.map { "`\($0)`" }.joined(separator: ", ")).\n"
            text += indicator.computed ? "- **Values:** computed (`/v1/indicators/\(indicator.id)/values`).\n" : "- **Values:** not computed yet.\n"
            if !indicator.breakdowns.isEmpty { text += "- **Breakdowns:** \(indicator.breakdowns.map(\.rawValue).joined(separator: ", ")).\n" }
            if let target = indicator.exampleTarget { text += "- **Targets in the seeds:** \(target).\n" }
        }
        return text
    }
}
