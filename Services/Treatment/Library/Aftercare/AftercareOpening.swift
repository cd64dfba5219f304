import ContractValues
import EventBus
import Foundation
import Postgres
import Rules
import TreatmentContracts

/// Opens after-care when an episode completes: from the next day, at the person's residence, for
/// the length the episode's regime sets by form and age (Law 73/2021: two years after an adult's
/// compulsory treatment, one year otherwise).
enum AftercareOpening {
    static func open(after episode: Episode, endedOn day: CalendarDate, regime: Regime, _ change: EpisodeChangeRoutes.ChangeContext) async throws {
        // Where the person lives now; their age when the episode began decides adult or minor.
        let person = try await PersonDirectory(connection: change.connection).person(episode.personId, visibleTo: nil)
        let (commune, province) = (person?.communeCode ?? episode.communeCode, person?.provinceCode ?? episode.provinceCode)
        let age = person?.age(on: episode.startedOn ?? day) ?? (episode.minor ? 17 : 18)
        guard let length = regime.duration(.aftercare, form: episode.form, age: age) else { return }
        let startsOn = day.adding(days: 1)
        let store = AftercareStore(connection: change.connection)
        let endsOn = TreatmentTerm.lastDay(from: startsOn, months: length.value.upperBound)
        // Substitution therapy may end while after-care of another treatment runs: one after-care,
        // lasting as long as the longer of the two.
        if let running = try await store.running(of: episode.personId) {
            guard running.endsOn < endsOn else { return }
            try await store.extend(running.id, to: endsOn)
            try await change.publisher.publish(
                TreatmentEvents.PersonStatusChanged(
                    personId: episode.personId, status: .inAftercare, validFrom: running.startsOn, validTo: endsOn.adding(days: 1),
                    reason: "aftercare_extended"), on: change.connection)
            return
        }
        let aftercare = Aftercare(
            id: UUID(), personId: episode.personId, episodeId: episode.id, form: episode.form, regime: regime.name,
            rule: "\(length.rule) (\(length.provenance.rawValue))", startsOn: startsOn,
            endsOn: endsOn, status: .active, supervisor: nil,
            communeCode: commune, provinceCode: province, endedOn: nil, completionNote: nil, contacts: [], supportNeeds: [], relapses: [],
            version: 1)
        try await store.insert(aftercare)
        try await change.publisher.publish(
            TreatmentEvents.AftercareStarted(
                aftercareId: aftercare.id, personId: aftercare.personId, episodeId: episode.id, form: episode.form, startsOn: startsOn,
                endsOn: aftercare.endsOn, regime: regime.name, communeCode: commune, provinceCode: province), on: change.connection)
        try await change.publisher.publish(
            TreatmentEvents.PersonStatusChanged(
                personId: episode.personId, status: .inAftercare, validFrom: startsOn, validTo: aftercare.endsOn.adding(days: 1),
                reason: "aftercare_started"),
            on: change.connection)
    }
}
