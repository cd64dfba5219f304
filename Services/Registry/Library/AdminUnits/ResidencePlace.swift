import Postgres
import RegistryContracts

/// Where a residence is: a commune of the 2025 list and its province, and the commune of the list
/// before 2025 it was recorded under, when it was (the 2025 commune then follows from the
/// official mapping: `AdminUnitStore.place(ofCommune:generation:)`).
struct ResidencePlace: Sendable, Equatable {
    let communeCode: String
    let provinceCode: String
    let legacyCommuneCode: String?

    /// The first day of the 2025 list: only a residence begun before it may be recorded under a
    /// commune of the list before.
    static let firstDayOf2025List = CalendarDate(year: 2025, month: 7, day: 1)!

    /// The list a request's `generation` names (`2025` when absent); nil for another value, which
    /// the body's schema refuses first.
    static func generation(_ value: String?) -> AdminUnitGeneration? {
        value.map { AdminUnitGeneration(rawValue: $0) } ?? .current
    }

    /// Why a commune code of `generation` cannot be placed (for the refusal at its pointer).
    static func unknown(_ generation: AdminUnitGeneration) -> String {
        generation == .legacy ? "is not a commune code of the list before 2025" : "is not a commune code of the 2025 list"
    }
}
