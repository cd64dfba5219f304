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
        let person = try await change.connection.query(
            "SELECT commune_code, province_code, birth_date, birth_year FROM registry.treatment_people WHERE person_id = \(episode.personId)"
        ).first.map { try $0.decode((String, String, CalendarDate?, Int?).self) }
        let (commune, province) = (person?.0 ?? episode.communeCode, person?.1 ?? episode.provinceCode)
        let age = TreatmentTerm.age(on: episode.startedOn ?? day, birthDate: person?.2, birthYear: person?.3) ?? (episode.minor ? 17 : 18)
        guard let length = regime.duration(.aftercare, form: episode.form, age: age) else { return }
        let startsOn = day.adding(days: 1)
        let aftercare = Aftercare(
            id: UUID(), personId: episode.personId, episodeId: episode.id, form: episode.form, regime: regime.name,
            rule: "\(length.rule) (\(length.provenance.rawValue))", startsOn: startsOn,
            endsOn: TreatmentTerm.lastDay(from: startsOn, months: length.value.upperBound), status: .active, supervisor: nil,
            communeCode: commune, provinceCode: province, endedOn: nil, completionNote: nil, contacts: [], supportNeeds: [], relapses: [],
            version: 1)
        try await AftercareStore(connection: change.connection).insert(aftercare)
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
