import Access
import Audit
import Foundation
import Hummingbird
import Postgres
import ServiceKit

/// `GET /v1/deadlines`: the daily work list of a commune, a province or a facility (episodes
/// ending, after-care ending, registrations due, contacts overdue, management periods lapsing,
/// relapses awaiting compulsory treatment), within the caller's jurisdiction. Audited as a read
/// of the area's list and of each person it names.
struct DeadlineRoutes: Sendable {
    let environment: ServiceEnvironment

    static let readers = AccessRule.staff(.admin, .provinceOfficer, .communeOfficer, .facilityStaff)

    func add(to routes: SecuredRoutes) {
        routes.on(
            .get, "/v1/deadlines", Self.readers, summary: "The daily work list of a commune, province or facility",
            query: [
                .date("on", "The day the list is for (default today)"),
                QueryParameter("within", .integer(1...365), "How many days ahead to look (default 30)"),
                QueryParameter("commune", .formatted(.communeCode), "A commune (admins; province officers within their province)"),
                QueryParameter("province", .formatted(.provinceCode), "A province (admins)"),
                QueryParameter("facility", .uuid, "A facility (admins)"),
                .limit(maximum: 1000),
            ]
        ) { request, context, identity -> Deadlines in
            let query = request.uri.queryParameters
            let area = try DeadlineArea.resolve(
                identity, commune: query["commune"].map(String.init), province: query["province"].map(String.init),
                facility: query["facility"].flatMap { UUID(uuidString: String($0)) })
            let on = query["on"].flatMap(CalendarDate.init) ?? .today()
            let until = on.adding(days: query["within"].flatMap { Int($0) } ?? 30)
            let limit = query.limit(default: 200)
            let contactDays = environment.configuration.aftercareContactDays
            let deadlines = try await environment.database.withConnection { connection -> Deadlines in
                let store = DeadlineStore(connection: connection, area: area, on: on, until: until, limit: limit)
                let episodes = try await store.episodesEnding()
                if case .facility = area {
                    return Deadlines(
                        on: on, until: until, area: area.label, episodesEnding: .init(episodes, limit: limit), aftercareEnding: .empty,
                        registrationDue: .empty, contactsOverdue: .empty, managementLapsing: .empty, compulsoryTriggers: .empty)
                }
                return Deadlines(
                    on: on, until: until, area: area.label, episodesEnding: .init(episodes, limit: limit),
                    aftercareEnding: .init(try await store.aftercareEnding(), limit: limit),
                    registrationDue: .init(try await store.registrationDue(), limit: limit),
                    contactsOverdue: .init(try await store.contactsOverdue(everyDays: contactDays), limit: limit),
                    managementLapsing: .init(try await store.managementLapsing(), limit: limit),
                    compulsoryTriggers: .init(try await store.compulsoryTriggers(), limit: limit))
            }
            // One entry for the list, and one per person it names (with one commit).
            try await environment.audit.record(
                [AuditEntry(identity, context, action: "read", resource: "deadlines", resourceID: area.label, detail: ["on": on.description])]
                    + deadlines.people.map {
                        AuditEntry(
                            identity, context, action: "list", resource: "deadlines", resourceID: area.label, personID: $0,
                            detail: ["on": on.description])
                    })
            return deadlines
        }
    }
}
