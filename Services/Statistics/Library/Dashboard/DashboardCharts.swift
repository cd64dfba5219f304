import Foundation

/// The dashboard's charts, as inline SVG drawn on the server: bars against a target line, a trend
/// over years, and a grid of communes coloured by status. Each carries a `<title>` per mark, so a
/// reader (or a screen reader) gets the figure behind it.
enum DashboardCharts {
    /// One bar.
    struct Bar {
        let label: String
        let value: Double
        let status: Target.Status?
        let caption: String
    }

    /// Horizontal bars, one per row, with the target's minimum (and maximum) as vertical lines.
    static func bars(_ bars: [Bar], minimum: Double?, maximum: Double?, share: Bool) -> String {
        guard !bars.isEmpty else { return "" }
        let width = 640.0
        let labelWidth = 200.0
        let row = 18.0
        let top = 8.0
        let height = top + Double(bars.count) * row + 8
        let largest = max(share ? 100 : 1, bars.map(\.value).max() ?? 1, minimum ?? 0, maximum ?? 0)
        let scale = (width - labelWidth - 60) / largest
        var svg = """
            <svg class="chart bars" viewBox="0 0 \(Int(width)) \(Int(height))" width="\(Int(width))" height="\(Int(height))" role="img">
            """
        for (index, bar) in bars.enumerated() {
            let y = top + Double(index) * row
            let length = max(0, bar.value * scale)
            svg += """
                <g><title>\(HTML.escape(bar.label)): \(HTML.escape(bar.caption))</title>\
                <text x="\(Int(labelWidth - 6))" y="\(format(y + 13))" text-anchor="end">\(HTML.escape(String(bar.label.prefix(30))))</text>\
                <rect class="\(statusClass(bar.status))" x="\(Int(labelWidth))" y="\(format(y + 3))" width="\(format(length))" height="\(format(row - 6))"/>\
                <text x="\(format(labelWidth + length + 4))" y="\(format(y + 13))">\(HTML.escape(bar.caption))</text></g>
                """
        }
        for bound in [minimum, maximum].compactMap({ $0 }) {
            let x = labelWidth + bound * scale
            svg += """
                <line class="target" x1="\(format(x))" y1="0" x2="\(format(x))" y2="\(format(height))"/>
                """
        }
        return svg + "</svg>"
    }

    /// A line through the years' values with the target's minimum of each year marked.
    static func trend(_ points: [(label: String, value: Double?, minimum: Double?)], share: Bool, compact: Bool = false) -> String {
        let width = compact ? 120.0 : 640.0
        let height = compact ? 28.0 : 200.0
        let margin = compact ? 3.0 : 30.0
        let values = points.flatMap { [$0.value, $0.minimum].compactMap { $0 } }
        guard points.count > 0, !values.isEmpty else { return "" }
        let largest = max(share ? 100 : 1, values.max() ?? 1)
        let step = points.count > 1 ? (width - 2 * margin) / Double(points.count - 1) : 0
        func x(_ index: Int) -> Double { margin + Double(index) * step }
        func y(_ value: Double) -> Double { height - margin - value / largest * (height - 2 * margin) }
        var svg = """
            <svg class="chart trend\(compact ? " spark" : "")" viewBox="0 0 \(Int(width)) \(Int(height))" width="\(Int(width))" height="\(Int(height))" role="img">
            """
        let line = points.enumerated().compactMap { index, point in point.value.map { "\(format(x(index))),\(format(y($0)))" } }
        if line.count > 1 { svg += "<polyline class=\"line\" points=\"\(line.joined(separator: " "))\"/>" }
        for (index, point) in points.enumerated() {
            if let minimum = point.minimum {
                svg +=
                    "<line class=\"target\" x1=\"\(format(x(index) - 6))\" x2=\"\(format(x(index) + 6))\" y1=\"\(format(y(minimum)))\" y2=\"\(format(y(minimum)))\"/>"
            }
            if let value = point.value {
                svg += """
                    <circle cx="\(format(x(index)))" cy="\(format(y(value)))" r="\(compact ? 2 : 4)"><title>\(HTML.escape(point.label)): \(format(value))</title></circle>
                    """
            }
            if !compact {
                svg += "<text x=\"\(format(x(index)))\" y=\"\(format(height - 8))\" text-anchor=\"middle\">\(HTML.escape(point.label))</text>"
            }
        }
        return svg + "</svg>"
    }

    /// A grid of squares, one per commune, coloured by status.
    static func grid(_ cells: [(code: String, name: String, status: Target.Status?, caption: String)]) -> String {
        guard !cells.isEmpty else { return "" }
        let columns = 16
        let size = 36.0
        let rows = (cells.count + columns - 1) / columns
        var svg = """
            <svg class="chart grid" viewBox="0 0 \(Int(Double(columns) * size)) \(Int(Double(rows) * size))" width="\(Int(Double(columns) * size))" height="\(Int(Double(rows) * size))" role="img">
            """
        for (index, cell) in cells.enumerated() {
            let x = Double(index % columns) * size
            let y = Double(index / columns) * size
            svg += """
                <g><title>\(HTML.escape(cell.name)) (\(cell.code)): \(HTML.escape(cell.caption))</title>\
                <rect class="\(statusClass(cell.status))" x="\(format(x + 1))" y="\(format(y + 1))" width="\(format(size - 2))" height="\(format(size - 2))"/></g>
                """
        }
        return svg + "</svg>"
    }

    /// The CSS class of a status (colours in `dashboard.css`).
    static func statusClass(_ status: Target.Status?) -> String {
        switch status {
        case .met: "met"
        case .onTrack: "on-track"
        case .behind: "behind"
        case nil: "no-target"
        }
    }

    private static func format(_ value: Double) -> String { String(format: "%.1f", value) }
}
