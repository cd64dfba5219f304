import Access
import Audit
import ContractValues
import EventBus
import Foundation
import Hummingbird
import Postgres
import Rules
import ServiceKit
import TreatmentContracts

/// Determinations of addiction, for the officers whose jurisdiction covers the person (province
/// officers read only): `POST /v1/people/{personId}/determinations` records one (the result follows from the criteria
/// met under the regime in force that day; a positive one makes the person `addicted` in the
/// registry and starts the registration deadline), `GET` lists them.
struct DeterminationRoutes: Sendable {
    let environment: ServiceEnvironment
    let publisher: EventPublisher

    static let recorders = AccessRule.staff(.admin, .communeOfficer)
    static let readers = AccessRule.staff(.admin, .provinceOfficer, .communeOfficer)

    struct Page: ResponseCodable {
        let items: [Determination]
    }

    static let body = DeclaredBody.json(
        .date("determinedOn", required: true, "The day of the determination (not in the future)"),
        .text("doctor", maxLength: 200, required: true, "The doctor who determined it"),
        .text("healthFacility", maxLength: 300, required: true, "Where"),
        BodySchema.Field(
            "criteria", .array(.oneOf(AddictionCriterion.rawValues), maxCount: AddictionCriterion.allCases.count), required: true,
            "The criteria met, of the six (an empty list: none)"))

    func add(to routes: SecuredRoutes) {
        let scope = SecuredRoutes.Scope.person(parameter: "personId")
        routes.on(
            .post, "/v1/people/{personId}/determinations", Self.recorders, scope: scope, summary: "Record a determination of addiction",
            body: Self.body, answers: [Determination.self]
        ) { request, context, identity -> Response in
            let person = try context.parameters.uuid("personId")
            // Scope first: outside it the answer is 404 whatever the body says.
            try await requireVisible(person, identity)
            let fields = try await JSONFields.body(of: request, context: context)
            var validator = fields.validator
            let today = CalendarDate.today()
            let day = fields.date("determinedOn").value
            if let day { validator.require(day <= today, "/determinedOn", "must not be in the future") }
            let criteria = Set(fields.stringArray("criteria").value ?? [])
            try validator.finish()
            guard let day, let doctor = fields.string("doctor").value, let place = fields.string("healthFacility").value else {
                throw ProblemDetails.badRequest("invalid determination")
            }
            let determination = try await environment.database.withTransaction { connection -> Determination in
                let store = DeterminationStore(connection: connection)
                guard let residence = try await PersonDirectory(connection: connection).person(person, visibleTo: identity) else {
                    throw ProblemDetails.notFound("No person \(person) in your jurisdiction.")
                }
                guard let regime = try await RegimeStore(connection: connection).book().inForce(on: day) else {
                    throw ProblemDetails.validation([.init(pointer: "/determinedOn", detail: "is before any regime this service knows")])
                }
                let positive = criteria.count >= regime.addictionCriteria.value
                let determination = Determination(
                    id: UUID(), personId: person, determinedOn: day, doctor: doctor, healthFacility: place,
                    criteria: AddictionCriterion.rawValues.filter(criteria.contains), positive: positive, regime: regime.name,
                    registrationDeadline: Determination.deadline(
                        positive: positive, on: day, regime: regime, calendar: try await CalendarStore(connection: connection).calendar()),
                    recordedAt: Date())
                // Someone already registered for or in treatment stays so: nothing falls due.
                let inTreatment = try await !EpisodeStore(connection: connection).openEpisodes(of: person).isEmpty
                try await store.insert(
                    determination, commune: residence.communeCode, province: residence.provinceCode, registered: inTreatment, by: identity.id)
                try await AuditLog.append(
                    AuditEntry(
                        identity, context, action: "create", resource: "determination", resourceID: determination.id.lowercasedString,
                        personID: person, detail: ["positive": String(positive)]), on: connection)
                try await publisher.publish(
                    TreatmentEvents.DeterminationRecorded(
                        determinationId: determination.id, personId: person, determinedOn: day, criteriaMet: criteria.count, positive: positive,
                        regime: regime.name, communeCode: residence.communeCode, provinceCode: residence.provinceCode), on: connection)
                // During after-care, a positive determination is a relapse (which makes the person addicted again).
                let relapse =
                    positive
                    ? try await RelapseRecorder(connection: connection, publisher: publisher).record(
                        person: person, on: day, source: "determination", sourceID: determination.id) : nil
                if positive, relapse == nil, !inTreatment {
                    try await publisher.publish(
                        TreatmentEvents.PersonStatusChanged(
                            personId: person, status: .addicted, validFrom: day, validTo: nil, reason: "determination"),
                        on: connection)
                }
                return determination
            }
            return try Response.json(
                determination, status: .created, headers: [.location: "/v1/people/\(person.lowercasedString)/determinations"])
        }
        routes.on(
            .get, "/v1/people/{personId}/determinations", Self.readers, scope: scope, summary: "A person's determinations, the latest first"
        ) { _, context, identity -> Page in
            let person = try context.parameters.uuid("personId")
            try await requireVisible(person, identity)
            let items = try await environment.database.withConnection { connection -> [Determination] in
                try await DeterminationStore(connection: connection).determinations(
                    of: person, book: try await RegimeStore(connection: connection).book(),
                    calendar: try await CalendarStore(connection: connection).calendar())
            }
            try await environment.audit.record(
                AuditEntry(identity, context, action: "read", resource: "determination", resourceID: person.lowercasedString, personID: person))
            return Page(items: items)
        }
    }

    /// 404 unless the person exists and lives in the caller's jurisdiction (`SecuredRoutes` audits
    /// the refusal).
    private func requireVisible(_ person: UUID, _ identity: Identity) async throws {
        let visible = try await environment.database.withConnection {
            try await PersonDirectory(connection: $0).person(person, visibleTo: identity) != nil
        }
        guard visible else { throw ProblemDetails.notFound("No person \(person) in your jurisdiction.") }
    }
}
