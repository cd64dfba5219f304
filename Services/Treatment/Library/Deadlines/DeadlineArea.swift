import Access
import Foundation
import Postgres
import ServiceKit

/// Whose deadlines a list shows: a commune, a province, a facility or the whole country, as the
/// caller's jurisdiction allows.
enum DeadlineArea: Sendable, Equatable {
    /// A commune; within `province` when a province officer asks (rows elsewhere are left out).
    case commune(String, province: String? = nil)
    case province(String)
    case facility(UUID)
    case national

    var label: String {
        switch self {
        case .commune(let code, _): "commune:\(code)"
        case .province(let code): "province:\(code)"
        case .facility(let id): "facility:\(id.lowercasedString)"
        case .national: "national"
        }
    }

    /// True for rows in the area, whose commune and province columns are `commune` and `province`
    /// (and facility column `facility`, when they have one; without one a facility sees none).
    func condition(commune: StaticString, province: StaticString, facility: StaticString? = nil) -> SQLFragment {
        switch self {
        case .commune(let code, nil): "\(sql: commune) = \(code)"
        case .commune(let code, let inProvince?): "\(sql: commune) = \(code) AND \(sql: province) = \(inProvince)"
        case .province(let code): "\(sql: province) = \(code)"
        case .facility(let id): facility.map { "\(sql: $0) = \(id)" } ?? "FALSE"
        case .national: "TRUE"
        }
    }

    /// The area `identity` asks for with the query's `commune`, `province` and `facility` (at most
    /// one), within its jurisdiction: a commune officer gets their commune, facility staff their
    /// facility, a province officer their province or a commune of it, an admin any.
    static func resolve(_ identity: Identity, commune: String?, province: String?, facility: UUID?) throws -> DeadlineArea {
        let asked = [commune.map { _ in "commune" }, province.map { _ in "province" }, facility.map { _ in "facility" }].compactMap { $0 }
        guard asked.count <= 1 else {
            throw ProblemDetails.validation(asked.map { .init(pointer: "?\($0)", detail: "give at most one of commune, province and facility") })
        }
        guard case .staff(let staff) = identity else { throw ProblemDetails.forbidden("Deadline lists are for staff.") }
        switch (staff.role, staff.jurisdiction) {
        case (.communeOfficer, .commune(let own)):
            guard commune == nil || commune == own, province == nil, facility == nil else {
                throw ProblemDetails.forbidden("A commune officer lists the deadlines of their own commune.")
            }
            return .commune(own)
        case (.facilityStaff, .facility(let own)):
            guard facility == nil || facility == own, commune == nil, province == nil else {
                throw ProblemDetails.forbidden("Facility staff list the deadlines of their own facility.")
            }
            return .facility(own)
        case (.provinceOfficer, .province(let own)):
            guard province == nil || province == own, facility == nil else {
                throw ProblemDetails.forbidden("A province officer lists the deadlines of their own province.")
            }
            return commune.map { .commune($0, province: own) } ?? .province(own)
        case (.admin, _):
            if let commune { return .commune(commune) }
            if let province { return .province(province) }
            if let facility { return .facility(facility) }
            return .national
        default:
            throw ProblemDetails.forbidden("Your role has no deadline list.")
        }
    }
}
