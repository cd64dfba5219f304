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

/// After-care, run by the commune where the person lives: officers of the commune (and admins)
/// name its supervisor, log contacts, record support needs and complete it at its end; province
/// officers read. Each change is audited and published.
struct AftercareRoutes: Sendable {
    let environment: ServiceEnvironment
    let publisher: EventPublisher

    struct Page: ResponseCodable {
        let items: [Aftercare]
    }

    static let readers = AccessRule.staff(.admin, .provinceOfficer, .communeOfficer)
    static let writers = AccessRule.staff(.admin, .communeOfficer)
    static let scope = SecuredRoutes.Scope.record(resource: "aftercare", parameter: "aftercareId")
    static let responses = [200: "The after-care as it is now", 409: "The after-care is not active, or a rule does not allow this"]

    /// A contact as the commune that logged it reads it back.
    struct LoggedContact: Codable, Sendable {
        let aftercareId: UUID
        let personId: UUID
        let contact: Aftercare.Contact
    }

    struct ContactPage: ResponseCodable {
        let items: [LoggedContact]
    }

    func add(to routes: SecuredRoutes) {
        routes.on(
            .get, "/v1/contacts", .staff(.communeOfficer),
            summary: "The after-care contacts the caller's commune logged (kept after the person moves away), the latest first",
            query: [.date("from", "The first day (default: 90 days ago)"), .date("to", "The last day (default today)"), .limit(maximum: 1000)]
        ) { request, context, identity -> ContactPage in
            guard case .staff(let staff) = identity, case .commune(let commune) = staff.jurisdiction else {
                throw ProblemDetails.forbidden("Contacts are listed by the commune that logged them.")
            }
            let query = request.uri.queryParameters
            let to = query["to"].flatMap(CalendarDate.init) ?? .today()
            let from = query["from"].flatMap(CalendarDate.init) ?? to.adding(days: -90)
            let items = try await environment.database.withConnection {
                try await AftercareStore(connection: $0).contacts(loggedBy: commune, from: from, to: to, limit: query.limit(default: 200))
            }
            try await environment.audit.record(
                items.map {
                    AuditEntry(
                        identity, context, action: "list", resource: "aftercare_contact", resourceID: $0.contact.id.lowercasedString,
                        personID: $0.personId)
                })
            return ContactPage(items: items)
        }

        routes.on(
            .get, "/v1/people/{personId}/aftercare", Self.readers, scope: .person(parameter: "personId"),
            summary: "A person's after-care periods, the latest first"
        ) { _, context, identity -> Page in
            let person = try context.parameters.uuid("personId")
            let items = try await environment.database.withConnection { connection -> [Aftercare]? in
                guard try await PersonDirectory(connection: connection).person(person, visibleTo: identity) != nil else { return nil }
                return try await AftercareStore(connection: connection).aftercare(of: person, visibleTo: identity)
            }
            guard let items else { throw ProblemDetails.notFound("No person \(person) in your jurisdiction.") }
            try await environment.audit.record(
                AuditEntry(identity, context, action: "read", resource: "aftercare", resourceID: person.lowercasedString, personID: person))
            return Page(items: items)
        }

        routes.on(.get, "/v1/aftercare/{aftercareId}", Self.readers, scope: Self.scope, summary: "One period of after-care") {
            _, context, identity -> Aftercare in
            let id = try context.parameters.uuid("aftercareId")
            let found = try await environment.database.withConnection { try await AftercareStore(connection: $0).aftercare(id, visibleTo: identity) }
            guard let found else { throw ProblemDetails.notFound("No after-care \(id) for you.") }
            try await environment.audit.record(
                AuditEntry(identity, context, action: "read", resource: "aftercare", resourceID: id.lowercasedString, personID: found.personId))
            return found
        }

        routes.on(
            .put, "/v1/aftercare/{aftercareId}/supervisor", Self.writers, scope: Self.scope, summary: "Name who supervises the after-care",
            responses: Self.responses,
            body: .json(
                .oneOf("kind", Aftercare.SupervisorKind.allCases.map(\.rawValue), required: true, "An officer, a volunteer team or a club"),
                .text("name", maxLength: 200, required: true, "Who (the officer, the team or the club)")),
            answers: [Aftercare.self]
        ) { request, context, identity -> Response in
            let id = try await visible(context, identity)
            let fields = try await JSONFields.body(of: request, context: context)
            let kind = fields.string("kind").value.flatMap(Aftercare.SupervisorKind.init(rawValue:))
            let name = fields.string("name").value
            try fields.finish()
            guard let kind, let name else { throw ProblemDetails.badRequest("invalid supervisor") }
            return try await change(id, identity, context, action: "supervise") { aftercare, store in
                try await store.setSupervisor(aftercare.id, .init(kind: kind, name: name))
            }
        }

        routes.on(
            .post, "/v1/aftercare/{aftercareId}/contacts", Self.writers, scope: Self.scope, summary: "Log a contact with the person",
            responses: Self.responses,
            body: .json(
                .oneOf("kind", Aftercare.ContactKind.allCases.map(\.rawValue), required: true, "A visit, a call or a club meeting"),
                .date("on", required: true, "The day (within the after-care, not in the future)"),
                .text("note", maxLength: 2000, multiline: true, "What was said or seen")),
            answers: [Aftercare.self]
        ) { request, context, identity -> Response in
            let id = try await visible(context, identity)
            let fields = try await JSONFields.body(of: request, context: context)
            let kind = fields.string("kind").value.flatMap(Aftercare.ContactKind.init(rawValue:))
            let on = fields.date("on").value
            let note = fields.string("note").value
            try fields.finish()
            guard let kind, let on else { throw ProblemDetails.badRequest("invalid contact") }
            return try await change(id, identity, context, action: "contact") { aftercare, store in
                try Self.within(aftercare, on, "/on")
                let contact = Aftercare.Contact(id: UUID(), on: on, kind: kind, note: note, communeCode: aftercare.communeCode)
                try await store.addContact(contact, to: aftercare, by: identity.id)
                try await publisher.publish(
                    TreatmentEvents.ContactLogged(
                        contactId: contact.id, aftercareId: aftercare.id, personId: aftercare.personId, on: on, kind: kind.rawValue,
                        communeCode: aftercare.communeCode, provinceCode: aftercare.provinceCode), on: store.connection)
            }
        }

        routes.on(
            .post, "/v1/aftercare/{aftercareId}/support-needs", Self.writers, scope: Self.scope,
            summary: "Record the support the person needs (published for the referrals service)", responses: Self.responses,
            body: .json(
                BodySchema.Field(
                    "needs", .array(.oneOf(Aftercare.Need.allCases.map(\.rawValue)), maxCount: Aftercare.Need.allCases.count), required: true,
                    "Schooling (minors), vocational training, a job, a loan"),
                .date("on", required: true, "The day it was assessed"), .text("note", maxLength: 2000, multiline: true)),
            answers: [Aftercare.self]
        ) { request, context, identity -> Response in
            let id = try await visible(context, identity)
            let fields = try await JSONFields.body(of: request, context: context)
            var validator = fields.validator
            let needs = Set((fields.stringArray("needs").value ?? []).compactMap(Aftercare.Need.init(rawValue:)))
            if fields.stringArray("needs").value?.isEmpty == true { validator.add("/needs", "must name at least one need") }
            let on = fields.date("on").value
            let note = fields.string("note").value
            try validator.finish()
            guard let on else { throw ProblemDetails.badRequest("invalid needs") }
            let ordered = Aftercare.Need.allCases.filter(needs.contains)
            return try await change(id, identity, context, action: "support_needs") { aftercare, store in
                try Self.within(aftercare, on, "/on")
                try await store.addSupportNeed(.init(id: UUID(), needs: ordered, note: note, recordedOn: on), to: aftercare, by: identity.id)
                try await publisher.publish(
                    TreatmentEvents.SupportNeedsRecorded(
                        aftercareId: aftercare.id, personId: aftercare.personId, needs: ordered.map(\.rawValue), recordedOn: on,
                        communeCode: aftercare.communeCode, provinceCode: aftercare.provinceCode), on: store.connection)
            }
        }

        routes.on(
            .post, "/v1/aftercare/{aftercareId}/completion", Self.writers, scope: Self.scope,
            summary: "Complete the after-care at its end (management of the person ends)", responses: Self.responses,
            body: .json(
                .date("on", required: true, "The day (from the last day of the after-care)"), .text("note", maxLength: 2000, multiline: true)),
            answers: [Aftercare.self]
        ) { request, context, identity -> Response in
            let id = try await visible(context, identity)
            let fields = try await JSONFields.body(of: request, context: context)
            let on = fields.date("on").value
            let note = fields.string("note").value
            try fields.finish()
            guard let on else { throw ProblemDetails.badRequest("invalid completion") }
            return try await change(id, identity, context, action: "complete") { aftercare, store in
                try EpisodeChangeRoutes.require(on <= .today(), "/on", "must not be in the future")
                guard on >= aftercare.endsOn else {
                    throw ProblemDetails.ruleConflict(
                        "The after-care runs to \(aftercare.endsOn); it completes on that day or later.", rule: aftercare.rule,
                        type: "aftercare-completion")
                }
                try await store.end(aftercare.id, status: .completed, on: on, note: note)
                try await publisher.publish(
                    TreatmentEvents.AftercareEnded(
                        aftercareId: aftercare.id, personId: aftercare.personId, status: .completed, endedOn: on, communeCode: aftercare.communeCode,
                        provinceCode: aftercare.provinceCode), on: store.connection)
                try await publisher.publish(
                    TreatmentEvents.PersonStatusChanged(
                        personId: aftercare.personId, status: .managementEnded, validFrom: aftercare.endsOn.adding(days: 1), validTo: nil,
                        reason: "aftercare_ended"
                    ),
                    on: store.connection)
            }
        }
    }

    /// 422 unless `day` lies within the after-care and is not in the future.
    static func within(_ aftercare: Aftercare, _ day: CalendarDate, _ pointer: String) throws {
        try EpisodeChangeRoutes.require(day <= .today(), pointer, "must not be in the future")
        try EpisodeChangeRoutes.require(
            aftercare.startsOn <= day && day <= aftercare.endsOn, pointer,
            "must be within the after-care (\(aftercare.startsOn) to \(aftercare.endsOn))")
    }

    private func visible(_ context: AppRequestContext, _ identity: Identity) async throws -> UUID {
        let id = try context.parameters.uuid("aftercareId")
        let found = try await environment.database.withConnection {
            try await AftercareStore(connection: $0).aftercare(id, visibleTo: identity) != nil
        }
        guard found else { throw ProblemDetails.notFound("No after-care \(id) for you.") }
        return id
    }

    /// Locks the after-care, refuses a change to one that is not active (409), applies `apply`,
    /// audits, and answers with it.
    private func change(
        _ id: UUID, _ identity: Identity, _ context: AppRequestContext, action: String,
        _ apply: @Sendable (Aftercare, AftercareStore) async throws -> Void
    ) async throws -> Response {
        let updated = try await environment.database.withTransaction { connection -> Aftercare in
            let store = AftercareStore(connection: connection)
            guard let current = try await store.aftercare(id, visibleTo: identity, lock: true) else {
                throw ProblemDetails.notFound("No after-care \(id) for you.")
            }
            guard current.status == .active else {
                throw ProblemDetails.conflict(
                    "The after-care is \(current.status.rawValue); only active after-care changes.", type: "aftercare-status")
            }
            try await apply(current, store)
            guard let updated = try await store.aftercare(id, visibleTo: nil) else { throw ProblemDetails.notFound("No after-care \(id).") }
            try await AuditLog.append(
                AuditEntry(
                    identity, context, action: action, resource: "aftercare", resourceID: id.lowercasedString, personID: current.personId,
                    detail: ["status": updated.status.rawValue]), on: connection)
            return updated
        }
        return try Response.json(updated)
    }
}
