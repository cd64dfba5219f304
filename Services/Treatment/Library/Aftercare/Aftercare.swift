import ContractValues
import Foundation
import Hummingbird
import Postgres

/// A period of after-care as answered: its length and the rule that set it, who supervises it,
/// where it is run, the contacts logged, the support needs recorded and any relapse.
struct Aftercare: ResponseCodable, Sendable {
    let id: UUID
    let personId: UUID
    /// The completed episode it follows.
    let episodeId: UUID
    let form: TreatmentForm
    let regime: String
    /// The rule that set its length.
    let rule: String
    let startsOn: CalendarDate
    let endsOn: CalendarDate
    let status: AftercareStatus
    let supervisor: Supervisor?
    /// The commune running it now (the person's residence).
    let communeCode: String
    let provinceCode: String
    let endedOn: CalendarDate?
    let completionNote: String?
    let contacts: [Contact]
    let supportNeeds: [SupportNeed]
    let relapses: [Relapse]
    let version: Int

    enum SupervisorKind: String, Codable, Sendable, CaseIterable {
        case officer
        case volunteerTeam = "volunteer_team"
        case club
    }

    struct Supervisor: Codable, Sendable, Equatable {
        let kind: SupervisorKind
        let name: String
    }

    enum ContactKind: String, Codable, Sendable, CaseIterable {
        case visit, call
        case clubMeeting = "club_meeting"
    }

    struct Contact: Codable, Sendable, Equatable {
        let id: UUID
        let on: CalendarDate
        let kind: ContactKind
        let note: String?
        /// The commune that logged it.
        let communeCode: String
    }

    enum Need: String, Codable, Sendable, CaseIterable {
        case schooling
        case vocationalTraining = "vocational_training"
        case job, loan
    }

    struct SupportNeed: Codable, Sendable, Equatable {
        let id: UUID
        let needs: [Need]
        let note: String?
        let recordedOn: CalendarDate
    }

    struct Relapse: Codable, Sendable, Equatable {
        let id: UUID
        let detectedOn: CalendarDate
        /// test or determination.
        let source: String
        /// What it did to the after-care: end or suspend.
        let effect: String
        let rule: String
    }
}
