import Foundation
import Hummingbird
import Postgres

/// A partner's offer: a course, a job opening or a loan programme. Money in whole đồng; an
/// interest rate as an exact decimal string (`"0.0660"` a year).
struct Offer: ResponseCodable, Sendable {
    enum Kind: String, Codable, Sendable, CaseIterable {
        case course, job
        case loanProgramme = "loan_programme"
    }

    struct Course: Codable, Sendable, Equatable {
        let trade: String
        let startsOn: CalendarDate
        let endsOn: CalendarDate
        let seats: Int
        /// Whether the course's cost is covered (by the State, the partner).
        let costCovered: Bool
    }

    struct Job: Codable, Sendable, Equatable {
        let position: String
        let employer: String?
        /// The monthly wage range, in đồng.
        let wageMinVnd: Int
        let wageMaxVnd: Int
        let openings: Int
    }

    struct LoanProgramme: Codable, Sendable, Equatable {
        let lender: String?
        let purpose: String
        /// The most one loan may be, in đồng.
        let limitVnd: Int
        let termMonths: Int
        /// A year's rate as a decimal string (`0.0660` is 6.6%).
        let interestRate: String
        let eligibility: String?
    }

    let id: UUID
    let partnerId: UUID
    let kind: Kind
    let title: String
    /// Where it takes place (nil: wherever the partner serves).
    let provinceCode: String?
    let communeCode: String?
    let place: String?
    let course: Course?
    let job: Job?
    let loanProgramme: LoanProgramme?
    /// Seats or openings taken by referrals.
    let taken: Int
    let active: Bool
    let version: Int

    /// Seats or openings left (nil for a loan programme, which has no count).
    var left: Int? {
        if let course { return course.seats - taken }
        if let job { return job.openings - taken }
        return nil
    }
}
