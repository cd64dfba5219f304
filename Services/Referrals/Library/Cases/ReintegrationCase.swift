import Foundation
import Hummingbird
import Postgres
import ReferralsContracts
import Rules

/// A reintegration case as answered: the after-care period it accompanies, the needs assessment
/// and the counselling given. Officers only: it derives from treatment, which partners never see.
struct ReintegrationCase: ResponseCodable, Sendable {
    enum Status: String, Codable, Sendable, CaseIterable {
        case open, closed
    }

    /// What a person may need to reintegrate.
    enum Need: String, Codable, Sendable, CaseIterable {
        case vocationalTraining = "vocational_training"
        case job, loan
        /// Schooling, for a minor.
        case schooling
    }

    struct Counselling: Codable, Sendable, Equatable {
        let id: UUID
        let givenOn: CalendarDate
        /// Who gave it (a counsellor, an officer, a club).
        let givenBy: String
        let topic: String
    }

    let id: UUID
    let personId: UUID
    let aftercareId: UUID
    let status: Status
    let openedOn: CalendarDate
    let closedOn: CalendarDate?
    /// aftercare_ended or officer.
    let closeReason: String?
    let closeNote: String?
    let needs: [Need]
    let skills: String?
    let priorWork: String?
    let assessedOn: CalendarDate?
    let counselling: [Counselling]
    /// The commune following the case (where the person lives).
    let communeCode: String
    let provinceCode: String
    let version: Int

    /// How a case moves (409 `case-status` naming the rule otherwise).
    static let machine = StateMachine<Status>(
        "case",
        [
            .init("assess", from: [.open], to: [.open], rule: "A case is assessed while it is open."),
            .init("counsel", from: [.open], to: [.open], rule: "Counselling is recorded while the case is open."),
            .init("close", from: [.open], to: [.closed], rule: "A case closes once, while open (or when its after-care ends)."),
        ])

    var changed: ReferralEvents.CaseChanged {
        ReferralEvents.CaseChanged(
            caseId: id, personId: personId, aftercareId: aftercareId, status: status.rawValue, needs: needs.map(\.rawValue), openedOn: openedOn,
            closedOn: closedOn, closeReason: closeReason, communeCode: communeCode, provinceCode: provinceCode)
    }
}
