import Foundation

/// The dashboard's words in Vietnamese (the default) and English.
enum DashboardLanguage: String, Sendable, CaseIterable {
    case vi
    case en

    /// The language `?lang=` asks for; Vietnamese when absent or unknown.
    init(query value: Substring?) {
        self = value.flatMap { DashboardLanguage(rawValue: String($0)) } ?? .vi
    }

    /// The text of `key` (the key itself when missing, which a test catches).
    subscript(_ key: DashboardText) -> String {
        switch self {
        case .vi: key.vietnamese
        case .en: key.english
        }
    }

    /// `value` with one decimal and this language's decimal separator.
    func decimal(_ value: Double) -> String {
        let text = String(format: "%.1f", value)
        return self == .vi ? text.replacingOccurrences(of: ".", with: ",") : text
    }

    /// A whole number with this language's thousands separator.
    func whole(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var grouped = ""
        for (index, character) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { grouped.append(self == .vi ? "." : ",") }
            grouped.append(character)
        }
        return (value < 0 ? "-" : "") + grouped
    }
}

/// Every phrase of the dashboard, in both languages.
enum DashboardText: CaseIterable {
    case title, signInTitle, username, password, signIn, signOut, wrongCredentials, throttled, notAllowed, expired
    case province, year, show, indicator, value, target, gap, status, numerator, denominator, commune, noData
    case met, onTrack, behind, noTarget, suppressed, trend, byCommune, communeGrid, overview, live, print, updated, language

    var vietnamese: String {
        switch self {
        case .title: "Thống kê cai nghiện ma túy và quản lý sau cai"
        case .signInTitle: "Đăng nhập bằng tài khoản hệ thống"
        case .username: "Tên đăng nhập"
        case .password: "Mật khẩu"
        case .signIn: "Đăng nhập"
        case .signOut: "Đăng xuất"
        case .wrongCredentials: "Tên đăng nhập hoặc mật khẩu không đúng."
        case .throttled: "Đăng nhập sai quá nhiều lần; hãy thử lại sau (giây):"
        case .notAllowed: "Bảng theo dõi dành cho cán bộ cấp tỉnh và quản trị viên."
        case .expired: "Biểu mẫu đã hết hạn; hãy thử lại."
        case .province: "Tỉnh, thành phố"
        case .year: "Năm"
        case .show: "Xem"
        case .indicator: "Chỉ tiêu"
        case .value: "Giá trị"
        case .target: "Mục tiêu"
        case .gap: "Chênh lệch"
        case .status: "Tình trạng"
        case .numerator: "Tử số"
        case .denominator: "Mẫu số"
        case .commune: "Xã, phường"
        case .noData: "Chưa có số liệu."
        case .met: "Đạt"
        case .onTrack: "Đúng tiến độ"
        case .behind: "Chậm"
        case .noTarget: "Chưa giao"
        case .suppressed: "Ẩn"
        case .trend: "Diễn biến qua các năm"
        case .byCommune: "Theo xã, phường so với mục tiêu"
        case .communeGrid: "Các xã, phường theo tình trạng"
        case .overview: "Tổng hợp các chỉ tiêu của tỉnh"
        case .live: "Tự cập nhật khi có số liệu mới"
        case .print: "In"
        case .updated: "Đã cập nhật"
        case .language: "English"
        }
    }

    var english: String {
        switch self {
        case .title: "Drug addiction treatment and after-care statistics"
        case .signInTitle: "Sign in with your system account"
        case .username: "Username"
        case .password: "Password"
        case .signIn: "Sign in"
        case .signOut: "Sign out"
        case .wrongCredentials: "The username or password is wrong."
        case .throttled: "Too many failed sign-ins; try again in (seconds):"
        case .notAllowed: "The dashboard is for province officers and administrators."
        case .expired: "The form expired; please try again."
        case .province: "Province"
        case .year: "Year"
        case .show: "Show"
        case .indicator: "Indicator"
        case .value: "Value"
        case .target: "Target"
        case .gap: "Gap"
        case .status: "Status"
        case .numerator: "Numerator"
        case .denominator: "Denominator"
        case .commune: "Commune"
        case .noData: "No figures yet."
        case .met: "Met"
        case .onTrack: "On track"
        case .behind: "Behind"
        case .noTarget: "No target"
        case .suppressed: "Hidden"
        case .trend: "Trend over the years"
        case .byCommune: "By commune against the target"
        case .communeGrid: "Communes by status"
        case .overview: "The province's indicators"
        case .live: "Updates by itself when new figures arrive"
        case .print: "Print"
        case .updated: "Updated"
        case .language: "Tiếng Việt"
        }
    }
}
