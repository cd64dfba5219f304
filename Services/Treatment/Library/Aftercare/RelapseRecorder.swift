import ContractValues
import EventBus
import Foundation
import Postgres
import Rules
import TreatmentContracts

/// Records a relapse when a positive test or determination falls within a person's active
/// after-care: the after-care ends or is suspended as its regime's relapse rule says, the person
/// is addicted again from that day, compulsory treatment is triggered (the commune's deadline
/// list shows it until an episode is opened), and the relapse is published for statistics.
struct RelapseRecorder {
    let connection: PostgresConnection
    let publisher: EventPublisher

    /// Law 73/2021's rule, for a regime that sets none.
    static let fallback = RelapseRule(
        aftercare: .end, rule: "Law 73/2021/QH14, Art. 32: relapse during after-care ends it (applied: the regime sets no relapse rule)",
        provenance: .carriedOver)

    /// The relapse recorded, or nil when the person had no active after-care on `day`.
    @discardableResult
    func record(person: UUID, on day: CalendarDate, source: String, sourceID: UUID) async throws -> UUID? {
        let store = AftercareStore(connection: connection)
        guard let aftercare = try await store.active(of: person, on: day) else { return nil }
        let book = try await RegimeStore(connection: connection).book()
        let rule = book.regimes.first { $0.name == aftercare.regime }?.relapse ?? Self.fallback
        let id = UUID()
        let citation = "\(rule.rule) (regime \(aftercare.regime), \(rule.provenance.rawValue))"
        try await store.addRelapse(
            id: id, to: aftercare, detectedOn: day, source: source, sourceID: sourceID, effect: rule.aftercare.rawValue, rule: citation)
        let status: AftercareStatus = rule.aftercare == .end ? .endedByRelapse : .suspended
        try await store.end(aftercare.id, status: status, on: day, note: nil)
        try await publisher.publish(
            TreatmentEvents.RelapseRecorded(
                relapseId: id, personId: person, aftercareId: aftercare.id, detectedOn: day, source: source, aftercare: rule.aftercare.rawValue,
                regime: aftercare.regime, communeCode: aftercare.communeCode, provinceCode: aftercare.provinceCode), on: connection)
        try await publisher.publish(
            TreatmentEvents.AftercareEnded(
                aftercareId: aftercare.id, personId: person, status: status, endedOn: day, communeCode: aftercare.communeCode,
                provinceCode: aftercare.provinceCode), on: connection)
        try await publisher.publish(
            TreatmentEvents.PersonStatusChanged(personId: person, status: .addicted, validFrom: day, validTo: nil, reason: "relapse"),
            on: connection)
        return id
    }
}
