import Access
import Foundation
import Postgres

/// The dashboard's HTML, rendered on the server (no framework; `dashboard.js` only refreshes the
/// figures when the server says new ones arrived, and prints).
struct DashboardPages {
    let language: DashboardLanguage

    /// The sign-in form; `message` says why the last attempt failed.
    func signIn(formToken: String, message: String?) -> String {
        let other = language == .vi ? DashboardLanguage.en : .vi
        return layout(
            title: language[.signInTitle], header: "<a class=\"lang\" href=\"/dashboard/sign-in?lang=\(other.rawValue)\">\(language[.language])</a>",
            body: """
                <main class="sign-in">
                <h2>\(language[.signInTitle])</h2>
                \(message.map { "<p class=\"error\" role=\"alert\">\(HTML.escape($0))</p>" } ?? "")
                <form method="post" action="/dashboard/sign-in">
                <input type="hidden" name="form" value="\(HTML.escape(formToken))">
                <input type="hidden" name="lang" value="\(language.rawValue)">
                <label>\(language[.username]) <input name="username" id="username" autocomplete="username" required maxlength="64"></label>
                <label>\(language[.password]) <input name="password" id="password" type="password" autocomplete="current-password" required maxlength="1024"></label>
                <button type="submit" id="sign-in">\(language[.signIn])</button>
                </form>
                </main>
                """)
    }

    /// A province's page: the picker, every indicator's value against its target with its trend,
    /// and the chosen indicator by commune (bars against the target line, a table, a grid).
    func province(
        _ figures: DashboardFigures, indicator: Indicator, provinces: [(code: String, name: String)], staff: StaffIdentity, formToken: String
    ) -> String {
        let name = provinces.first { $0.code == figures.province }?.name ?? figures.province
        let years = (max(2020, figures.year - 6)...CalendarDate.today().year).reversed()
        let other = language == .vi ? DashboardLanguage.en : .vi
        let here = [("code", figures.province), ("year", String(figures.year)), ("indicator", indicator.id)]
        let header = """
            <form class="picker" method="get" action="/dashboard/province">
            <input type="hidden" name="lang" value="\(language.rawValue)">
            <input type="hidden" name="indicator" value="\(indicator.id)">
            <label>\(language[.province]) <select name="code" id="code">\(provinces.map { option($0.code, "\($0.code) \($0.name)", selected: $0.code == figures.province) }.joined())</select></label>
            <label>\(language[.year]) <select name="year" id="year">\(years.map { option(String($0), String($0), selected: $0 == figures.year) }.joined())</select></label>
            <button type="submit">\(language[.show])</button>
            </form>
            <a class="lang" href="/dashboard/province?\(HTML.escape(HTML.query(here + [("lang", other.rawValue)])))">\(language[.language])</a>
            <button type="button" id="print">\(language[.print])</button>
            <form class="sign-out" method="post" action="/dashboard/sign-out">
            <input type="hidden" name="form" value="\(formToken)">
            <span class="user">\(HTML.escape(staff.username))</span> <button type="submit" id="sign-out">\(language[.signOut])</button>
            </form>
            """
        let body = """
            <main id="figures" data-updates="/dashboard/updates?\(HTML.escape(HTML.query([("code", figures.province)])))">
            <h2>\(HTML.escape(name)): \(figures.year)</h2>
            <p class="live">\(language[.live]). \(language[.updated]) <time id="rendered">\(Self.clock())</time></p>
            \(overview(figures, chosen: indicator.id))
            \(chosen(figures, indicator))
            </main>
            """
        return layout(title: "\(name) \(figures.year)", header: header, body: body)
    }

    private func overview(_ figures: DashboardFigures, chosen: String) -> String {
        var rows = ""
        for indicator in IndicatorCatalogue.all where indicator.computed {
            let row = figures.provinceRow(indicator.id)
            let link = HTML.query([
                ("code", figures.province), ("year", String(figures.year)), ("indicator", indicator.id), ("lang", language.rawValue),
            ])
            let points = (figures.year - DashboardFigures.trendYears + 1...figures.year).map { year in
                let yearRow = figures.provinceRow(indicator.id, year: year)
                return (label: String(year), value: yearRow?.value, minimum: yearRow?.target?.minimum)
            }
            rows += """
                <tr data-indicator="\(indicator.id)"\(indicator.id == chosen ? " class=\"chosen\"" : "")>\
                <th scope="row"><a href="/dashboard/province?\(HTML.escape(link))">\(HTML.escape(title(indicator)))</a></th>\
                <td class="value">\(value(row, indicator))</td><td class="target">\(target(row?.target, indicator))</td>\
                <td class="status">\(status(row))</td>\
                <td class="trend">\(DashboardCharts.trend(points, share: isShare(indicator), compact: true))</td></tr>
                """
        }
        return """
            <section><h3>\(language[.overview])</h3>
            <table id="overview"><thead><tr><th>\(language[.indicator])</th><th>\(language[.value])</th><th>\(language[.target])</th>\
            <th>\(language[.status])</th><th>\(language[.trend])</th></tr></thead><tbody>\(rows)</tbody></table></section>
            """
    }

    private func chosen(_ figures: DashboardFigures, _ indicator: Indicator) -> String {
        let rows = (figures.byCommune?.items ?? []).filter { $0.breakdown == nil }.sorted { $0.areaCode < $1.areaCode }
        let anyTarget = rows.first { $0.target != nil }?.target
        var table = ""
        for row in rows {
            table += """
                <tr data-area="\(HTML.escape(row.areaCode))"><th scope="row">\(HTML.escape(row.areaName ?? row.areaCode))</th>\
                <td class="value">\(value(row, indicator))</td><td class="numerator">\(row.numerator.map(language.whole) ?? "")</td>\
                <td class="denominator">\(row.denominator.map(language.whole) ?? "")</td><td class="target">\(target(row.target, indicator))</td>\
                <td class="gap">\(row.gap.map(language.decimal) ?? "")</td><td class="status">\(status(row))</td></tr>
                """
        }
        let bars = rows.compactMap { row in
            row.value.map { DashboardCharts.Bar(label: row.areaName ?? row.areaCode, value: $0, status: row.status, caption: value(row, indicator)) }
        }
        let cells = rows.map { (code: $0.areaCode, name: $0.areaName ?? $0.areaCode, status: $0.status, caption: value($0, indicator)) }
        let points = (figures.year - DashboardFigures.trendYears + 1...figures.year).map { year in
            let row = figures.provinceRow(indicator.id, year: year)
            return (label: String(year), value: row?.value, minimum: row?.target?.minimum)
        }
        return """
            <section id="chosen" data-indicator="\(indicator.id)">
            <h3>\(HTML.escape(title(indicator)))</h3>
            <p class="definition">\(HTML.escape(indicator.numerator))\(indicator.denominator.map { " / " + HTML.escape($0) } ?? "")</p>
            <h4>\(language[.trend])</h4>
            \(DashboardCharts.trend(points, share: isShare(indicator)))
            <h4>\(language[.byCommune])</h4>
            \(rows.isEmpty ? "<p>\(language[.noData])</p>" : "")
            \(DashboardCharts.bars(bars, minimum: anyTarget?.minimum, maximum: anyTarget?.maximum, share: isShare(indicator)))
            <h4>\(language[.communeGrid])</h4>
            \(DashboardCharts.grid(cells))
            <p class="legend"><span class="met">\(language[.met])</span> <span class="on-track">\(language[.onTrack])</span> \
            <span class="behind">\(language[.behind])</span> <span class="no-target">\(language[.noTarget])</span></p>
            <table id="communes"><thead><tr><th>\(language[.commune])</th><th>\(language[.value])</th><th>\(language[.numerator])</th>\
            <th>\(language[.denominator])</th><th>\(language[.target])</th><th>\(language[.gap])</th><th>\(language[.status])</th></tr></thead>
            <tbody>\(table)</tbody></table>
            </section>
            """
    }

    // MARK: - Pieces

    private func layout(title: String, header: String, body: String) -> String {
        """
        <!doctype html>
        <html lang="\(language.rawValue)">
        <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(HTML.escape(title)) · \(language[.title])</title>
        <link rel="stylesheet" href="/dashboard/assets/dashboard.css"></head>
        <body><header><h1>\(language[.title])</h1>\(header)</header>
        \(body)
        <script src="/dashboard/assets/dashboard.js"></script>
        </body></html>
        """
    }

    private func title(_ indicator: Indicator) -> String { language == .vi ? indicator.nameVi : indicator.name }

    private func isShare(_ indicator: Indicator) -> Bool { indicator.kind == .share }

    /// A row's value as shown: a share or change in percent, a count, an amount in đồng with its count.
    func value(_ row: IndicatorValues.Row?, _ indicator: Indicator) -> String {
        guard let row else { return "" }
        if row.suppressed { return language[.suppressed] }
        guard let value = row.value else { return "" }
        switch indicator.kind {
        case .share, .change: return language.decimal(value) + " %"
        case .count: return language.whole(Int(value.rounded()))
        case .amount: return language.whole(Int(value.rounded())) + (row.amountVnd.map { " · " + language.whole($0) + " đ" } ?? "")
        }
    }

    private func target(_ target: Target?, _ indicator: Indicator) -> String {
        guard let target else { return "" }
        let percent = isShare(indicator) || indicator.kind == .change
        let unit = percent ? " %" : ""
        func number(_ value: Double) -> String {
            !percent && value == value.rounded() ? language.whole(Int(value)) : language.decimal(value)
        }
        switch (target.minimum, target.maximum) {
        case (let low?, let high?): return "\(number(low))–\(number(high))\(unit)"
        case (let low?, nil): return "≥ \(number(low))\(unit)"
        case (nil, let high?): return "≤ \(number(high))\(unit)"
        case (nil, nil): return ""
        }
    }

    private func status(_ row: IndicatorValues.Row?) -> String {
        guard let row, row.target != nil else { return "<span class=\"no-target\">\(language[.noTarget])</span>" }
        let text: String
        switch row.status {
        case .met: text = language[.met]
        case .onTrack: text = language[.onTrack]
        case .behind: text = language[.behind]
        case nil: text = ""
        }
        return "<span class=\"\(DashboardCharts.statusClass(row.status))\">\(text)</span>"
    }

    private func option(_ value: String, _ label: String, selected: Bool) -> String {
        "<option value=\"\(HTML.escape(value))\"\(selected ? " selected" : "")>\(HTML.escape(label))</option>"
    }

    /// The time of rendering in Vietnam (HH:mm:ss).
    private static func clock() -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = CalendarDate.vietnam
        formatter.dateFormat = "HH:mm:ss"
        return formatter.string(from: Date())
    }
}
