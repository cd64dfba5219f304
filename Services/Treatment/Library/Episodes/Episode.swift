import ContractValues
import Foundation
import Hummingbird
import Postgres
import Rules
import TreatmentContracts

/// A treatment episode as stored and answered: its form and place, the term the regime in force
/// on its planned start allowed, where it stands, its stages and the facilities it passed through.
struct Episode: ResponseCodable, Sendable {
    let id: UUID
    let personId: UUID
    let form: TreatmentForm
    /// The facility now (nil for treatment at family or community).
    let facilityId: UUID?
    /// Treatment at family or community: who supervises it for the commune.
    let supervisor: String?
    /// Compulsory treatment: the court's decision.
    let courtDecision: CourtDecision?
    /// Under 18 on the planned start.
    let minor: Bool
    let occurrence: Occurrence
    /// The regime in force on `plannedStart`, which judges the episode.
    let regime: String
    let plannedStart: CalendarDate
    /// The last day of the term as decided (nil: no term, as for substitution therapy).
    let plannedEnd: CalendarDate?
    let termReduction: TermReduction?
    /// The last day of the term after any reduction.
    let termEnd: CalendarDate?
    let startedOn: CalendarDate?
    let endedOn: CalendarDate?
    let status: EpisodeStatus
    let dischargeReason: DischargeReason?
    let dischargeNote: String?
    /// The stages completed, in order.
    let stages: [StageRecord]
    /// The facilities it took place at, the current one last.
    let placements: [Placement]
    /// The person's residence commune and province.
    let communeCode: String
    let provinceCode: String
    let createdAt: Date
    let updatedAt: Date
    let version: Int

    struct CourtDecision: Codable, Sendable, Equatable {
        let court: String
        let decisionNumber: String
        let decisionDate: CalendarDate
    }

    struct TermReduction: Codable, Sendable, Equatable {
        let months: Int
        let decidedOn: CalendarDate
        let decisionNumber: String
    }

    struct StageRecord: Codable, Sendable, Equatable {
        let stage: TreatmentStage
        let completedOn: CalendarDate
    }

    struct Placement: Codable, Sendable, Equatable {
        let facilityId: UUID
        let from: CalendarDate
        /// nil while the episode is there.
        let to: CalendarDate?
        let reason: String?
    }

    /// The last day of `plannedEnd` less the reduction's months.
    static func termEnd(plannedEnd: CalendarDate?, reductionMonths: Int?) -> CalendarDate? {
        guard let plannedEnd else { return nil }
        guard let reductionMonths else { return plannedEnd }
        return plannedEnd.adding(days: 1).adding(months: -reductionMonths).adding(days: -1)
    }

    /// The share of the term served on `day` (0 before the start, up to 1).
    func shareServed(on day: CalendarDate) -> Double {
        guard let startedOn, let plannedEnd else { return 0 }
        let term = Double(plannedEnd.daysSinceEpoch - startedOn.daysSinceEpoch + 1)
        return max(0, min(1, Double(day.daysSinceEpoch - startedOn.daysSinceEpoch + 1) / term))
    }

    /// What tells the registry which facility follows the person.
    var changed: TreatmentEvents.EpisodeChanged {
        TreatmentEvents.EpisodeChanged(
            episodeId: id, personId: personId, facilityId: facilityId, form: form,
            startedOn: startedOn ?? plannedStart, endedOn: endedOn)
    }
}
