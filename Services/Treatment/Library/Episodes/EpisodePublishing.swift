import ContractValues
import EventBus
import Foundation
import Postgres
import Rules
import TreatmentContracts

/// What an episode's start and end tell the other services, and what its completion starts:
/// the person's management status in the registry, and after-care.
enum EpisodePublishing {
    /// The episode began on `day`: `treatment.episode.started`, and the person is in treatment
    /// until the term's last day (`termEnd`, moved with the admission).
    static func started(
        _ episode: Episode, on day: CalendarDate, termEnd: CalendarDate?, _ change: EpisodeChangeRoutes.ChangeContext
    ) async throws {
        try await change.publisher.publish(
            TreatmentEvents.EpisodeStarted(
                episodeId: episode.id, personId: episode.personId, form: episode.form, facilityId: episode.facilityId, startedOn: day,
                plannedEnd: termEnd, occurrence: episode.occurrence.rawValue, minor: episode.minor, regime: episode.regime,
                communeCode: episode.communeCode, provinceCode: episode.provinceCode), on: change.connection)
        try await change.publisher.publish(
            TreatmentEvents.PersonStatusChanged(
                personId: episode.personId, status: .inTreatment, validFrom: day, validTo: termEnd?.adding(days: 1),
                reason: "episode_started"),
            on: change.connection)
    }

    /// The episode ended on `day` for `reason`: `treatment.episode.ended`; a completed one opens
    /// after-care (the person is then in after-care), a discontinued one leaves the person
    /// addicted (or ends management, when they died), unless another episode is still open.
    static func ended(
        _ episode: Episode, reason: DischargeReason, on day: CalendarDate, regime: Regime, _ change: EpisodeChangeRoutes.ChangeContext
    ) async throws {
        try await change.publisher.publish(
            TreatmentEvents.EpisodeEnded(
                episodeId: episode.id, personId: episode.personId, form: episode.form, facilityId: episode.facilityId, status: reason.status,
                reason: reason, startedOn: episode.startedOn, endedOn: day, communeCode: episode.communeCode,
                provinceCode: episode.provinceCode), on: change.connection)
        guard let started = episode.startedOn else { return }
        let stillOpen = try await change.store.openEpisodes(of: episode.personId).contains { $0.id != episode.id }
        if !stillOpen {
            // In treatment until the day it ended, however that compares with the planned term.
            try await change.publisher.publish(
                TreatmentEvents.PersonStatusChanged(
                    personId: episode.personId, status: .inTreatment, validFrom: started, validTo: day.adding(days: 1), reason: "episode_ended"),
                on: change.connection)
        }
        if reason == .completed {
            try await AftercareOpening.open(after: episode, endedOn: day, regime: regime, change)
            return
        }
        guard !stillOpen else { return }
        try await change.publisher.publish(
            TreatmentEvents.PersonStatusChanged(
                personId: episode.personId, status: reason == .died ? .managementEnded : .addicted, validFrom: day.adding(days: 1),
                validTo: nil, reason: "episode_ended"), on: change.connection)
    }
}
