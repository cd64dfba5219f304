import Foundation
import Hummingbird

/// One indicator of the provinces' plans, defined exactly: what is counted (numerator), against
/// what (denominator, for a share), over which period (a stock on a date or a flow during a
/// period), from which events, and by which breakdowns (Decision 127/2009's where they apply).
struct Indicator: ResponseCodable, Sendable, Equatable {
    enum Kind: String, Codable, Sendable, CaseIterable {
        /// numerator / denominator, as a percentage.
        case share
        /// How many.
        case count
        /// A sum of money in đồng (with its count).
        case amount
        /// The change of another indicator on the previous year, in percent of last year's value.
        case change
    }

    enum Period: String, Codable, Sendable, CaseIterable {
        /// On a day (the period's last day when a period is asked).
        case stock
        /// During the period (from its first to its last day).
        case flow
    }

    /// The breakdowns of Decision 127/2009 as amended.
    enum Breakdown: String, Codable, Sendable, CaseIterable {
        case sex
        /// <14, 14-<16, 16-<18, 18-30, 30+.
        case ageBand = "age_band"
        case ethnicity
        /// voluntary_community, voluntary_facility, compulsory, methadone, social_protection_centre.
        case treatmentForm = "treatment_form"
        /// Where treated: `community` (at home or in the community), or the ownership and kind of the
        /// facility the episode began at (`public_compulsory_treatment`, `private_voluntary_treatment`,
        /// `public_methadone_clinic`, `public_social_protection_centre`, ...).
        case place
        case substance
        /// A determination's: positive or negative.
        case result
    }

    let id: String
    let name: String
    /// Its name in Vietnamese.
    let nameVi: String
    let kind: Kind
    let period: Period
    /// What is counted, exactly.
    let numerator: String
    /// What it is divided by, for a share.
    let denominator: String?
    /// For a change: the indicator it compares year on year.
    let changeOf: String?
    /// The event types that feed it (see docs/events.md).
    let feeds: [String]
    var breakdowns: [Breakdown]
    /// Where the plans in the seeds set a target for it, as they put it.
    let exampleTarget: String?
    /// Whether its values are computed (served by `/v1/indicators/{id}/values`).
    var computed = false
}
