import EventBus
import Foundation
import ReferralsContracts
import RegistryContracts
import TreatmentContracts

/// One bus event the counting tables take, decoded as its producer's contract type
/// (`RegistryContracts`, `TreatmentContracts`, `ReferralsContracts`). A payload that does not
/// decode throws: the consumer retries the event and then parks it as dead (the catalogue check
/// at publishing makes that a producer's bug).
enum CountingChange: Sendable {
    case registered(PersonEvents.Registered)
    case changed(PersonEvents.Changed)
    case moved(PersonEvents.Moved)
    case status(PersonEvents.StatusChanged)
    case referral(ReferralEvents.Changed)
    case step(ReferralEvents.StepRecorded)
    case determination(TreatmentEvents.DeterminationRecorded)
    case episodeStarted(TreatmentEvents.EpisodeStarted)
    case episodeEnded(TreatmentEvents.EpisodeEnded)
    case aftercareStarted(TreatmentEvents.AftercareStarted)
    case aftercareEnded(TreatmentEvents.AftercareEnded)
    case relapse(TreatmentEvents.RelapseRecorded)
    case reintegrationCase(ReferralEvents.CaseChanged)
    case counselling(ReferralEvents.CounsellingGiven)
    case programme(ProgrammeEvents.Recorded)

    /// The change `event` makes, or nil for an event the counting tables do not take.
    init?(_ event: EventEnvelope) throws {
        switch (event.type, event.version) {
        case (PersonEvents.RegisteredV1.type, PersonEvents.RegisteredV1.version):
            self = .registered(PersonEvents.Registered(try event.decode(PersonEvents.RegisteredV1.self)))
        case (PersonEvents.Registered.type, PersonEvents.Registered.version): self = .registered(try event.decode(PersonEvents.Registered.self))
        case (PersonEvents.Changed.type, 1): self = .changed(try event.decode(PersonEvents.Changed.self))
        case (PersonEvents.Moved.type, 1): self = .moved(try event.decode(PersonEvents.Moved.self))
        case (PersonEvents.StatusChanged.type, 1): self = .status(try event.decode(PersonEvents.StatusChanged.self))
        case (ReferralEvents.Changed.type, 1): self = .referral(try event.decode(ReferralEvents.Changed.self))
        case (ReferralEvents.StepRecorded.type, 1): self = .step(try event.decode(ReferralEvents.StepRecorded.self))
        case (TreatmentEvents.DeterminationRecorded.type, 1): self = .determination(try event.decode(TreatmentEvents.DeterminationRecorded.self))
        case (TreatmentEvents.EpisodeStarted.type, 1): self = .episodeStarted(try event.decode(TreatmentEvents.EpisodeStarted.self))
        case (TreatmentEvents.EpisodeEnded.type, 1): self = .episodeEnded(try event.decode(TreatmentEvents.EpisodeEnded.self))
        case (TreatmentEvents.AftercareStarted.type, 1): self = .aftercareStarted(try event.decode(TreatmentEvents.AftercareStarted.self))
        case (TreatmentEvents.AftercareEnded.type, 1): self = .aftercareEnded(try event.decode(TreatmentEvents.AftercareEnded.self))
        case (TreatmentEvents.RelapseRecorded.type, 1): self = .relapse(try event.decode(TreatmentEvents.RelapseRecorded.self))
        case (ReferralEvents.CaseChanged.type, 1): self = .reintegrationCase(try event.decode(ReferralEvents.CaseChanged.self))
        case (ReferralEvents.CounsellingGiven.type, 1): self = .counselling(try event.decode(ReferralEvents.CounsellingGiven.self))
        case (ProgrammeEvents.Recorded.type, 1): self = .programme(try event.decode(ProgrammeEvents.Recorded.self))
        default: return nil
        }
    }

    /// The families of measures whose rows the change may alter (`Contributions.Families`), by
    /// the counting tables it writes: none for a referral's state or a programme record, which
    /// no aggregate reads.
    var families: Contributions.Families {
        switch self {
        case .registered, .changed: .all
        case .moved, .status: .statuses
        case .referral, .programme: []
        case .step: [.loans, .cases]
        case .determination: .determinations
        case .episodeStarted, .episodeEnded: .episodes
        case .aftercareStarted, .aftercareEnded: [.aftercare, .episodes]
        case .relapse: .relapses
        case .reintegrationCase, .counselling: .cases
        }
    }

    /// The person whose contributions to the aggregates the change may alter; nil for a
    /// programme record (read straight from its table by the programme indicators).
    var person: UUID? {
        switch self {
        case .registered(let event): event.personId
        case .changed(let event): event.personId
        case .moved(let event): event.personId
        case .status(let event): event.personId
        case .referral(let event): event.personId
        case .step(let event): event.personId
        case .determination(let event): event.personId
        case .episodeStarted(let event): event.personId
        case .episodeEnded(let event): event.personId
        case .aftercareStarted(let event): event.personId
        case .aftercareEnded(let event): event.personId
        case .relapse(let event): event.personId
        case .reintegrationCase(let event): event.personId
        case .counselling(let event): event.personId
        case .programme: nil
        }
    }
}
