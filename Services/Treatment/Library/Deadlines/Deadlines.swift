import ContractValues
import Foundation
import Hummingbird
import Postgres

/// An officer's or a facility's daily work list on one day: what ends or falls due within the
/// horizon, and what is overdue already. People by id only (names are the registry's). Each list
/// is cut at `limit`, soonest first, and says when it was.
struct Deadlines: ResponseCodable, Sendable {
    let on: CalendarDate
    /// The last day looked at (`on` + `within` days).
    let until: CalendarDate
    /// The area or facility listed (`commune:00004`, `province:01`, `facility:<id>`, `national`).
    let area: String
    let episodesEnding: Section<EpisodeEnding>
    let aftercareEnding: Section<AftercareEnding>
    let registrationDue: Section<RegistrationDue>
    let contactsOverdue: Section<ContactDue>
    let managementLapsing: Section<ManagementLapsing>
    let compulsoryTriggers: Section<CompulsoryTrigger>

    /// Every person the lists name, each once.
    var people: [UUID] {
        var seen = Set<UUID>()
        let all =
            episodesEnding.items.map(\.personId) + aftercareEnding.items.map(\.personId) + registrationDue.items.map(\.personId)
            + contactsOverdue.items.map(\.personId) + managementLapsing.items.map(\.personId) + compulsoryTriggers.items.map(\.personId)
        return all.filter { seen.insert($0).inserted }
    }

    struct Section<Item: Codable & Sendable>: Codable, Sendable {
        let items: [Item]
        /// True when there were more than `items` (raise `limit` or narrow the area).
        let truncated: Bool

        init(_ items: [Item], limit: Int) {
            self.items = Array(items.prefix(limit))
            self.truncated = items.count > limit
        }

        static var empty: Section { Section([], limit: 0) }
    }

    /// An active episode whose term (after any reduction) ends by `until`, or ended already
    /// without a discharge.
    struct EpisodeEnding: Codable, Sendable {
        let episodeId: UUID
        let personId: UUID
        let form: TreatmentForm
        let facilityId: UUID?
        let termEnd: CalendarDate
        /// Negative when the term is over and the episode not yet ended.
        let daysLeft: Int
    }

    struct AftercareEnding: Codable, Sendable {
        let aftercareId: UUID
        let personId: UUID
        let endsOn: CalendarDate
        let daysLeft: Int
    }

    /// A positive determination not followed by an episode: the person must register for
    /// treatment by `dueOn` (working days, as the regime sets), and is a ground for compulsory
    /// treatment after it.
    struct RegistrationDue: Codable, Sendable {
        let determinationId: UUID
        let personId: UUID
        let determinedOn: CalendarDate
        let dueOn: CalendarDate
        let overdue: Bool
    }

    /// Active after-care whose next contact (`AFTERCARE_CONTACT_DAYS` after the last, or after the
    /// start) is due by `on`.
    struct ContactDue: Codable, Sendable {
        let aftercareId: UUID
        let personId: UUID
        let lastContactOn: CalendarDate?
        let dueOn: CalendarDate
    }

    /// A drug user's management period (the registry's) whose last day falls by `until`.
    struct ManagementLapsing: Codable, Sendable {
        let personId: UUID
        let lastDay: CalendarDate
    }

    /// A relapse during after-care not followed by a new episode: compulsory treatment is due.
    struct CompulsoryTrigger: Codable, Sendable {
        let relapseId: UUID
        let personId: UUID
        let detectedOn: CalendarDate
    }
}
