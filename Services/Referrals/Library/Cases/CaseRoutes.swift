import Access
import Audit
import EventBus
import Foundation
import Hummingbird
import Postgres
import ReferralsContracts
import Rules
import ServiceKit

/// Reintegration cases for the officers of the commune following them (province officers read):
/// the list, one case, a person's cases, the needs assessment, counselling and closing. Partner
/// accounts have no access (cases derive from treatment). Every read and change is audited with
/// the person's id; every change is published as `referrals.case.changed`.
struct CaseRoutes: Sendable {
    let environment: ServiceEnvironment
    let publisher: EventPublisher

    struct Page: ResponseCodable {
        let items: [ReintegrationCase]
    }

    static let readers = AccessRule.staff(.admin, .provinceOfficer, .communeOfficer)
    static let writers = AccessRule.staff(.admin, .communeOfficer)
    static let scope = SecuredRoutes.Scope.record(resource: "case", parameter: "caseId")
    static let responses = [200: "The case as it is now", 409: "The case is closed (`rule` names why)"]
    static let needs = ReintegrationCase.Need.allCases.map(\.rawValue)

    func add(to routes: SecuredRoutes) {
        routes.on(
            .get, "/v1/cases", Self.readers, summary: "The reintegration cases of the caller's area, open ones first",
            query: [
                QueryParameter("status", values: ReintegrationCase.Status.allCases.map(\.rawValue), "open or closed"),
                QueryParameter("commune", .formatted(.communeCode), "One commune of the caller's area"), .limit(maximum: 500),
            ]
        ) { request, context, identity -> Page in
            let query = request.uri.queryParameters
            let items = try await environment.database.withConnection {
                try await CaseStore(connection: $0).cases(
                    visibleTo: identity, status: query["status"].map(String.init), commune: query["commune"].map(String.init),
                    limit: query.limit(default: 100))
            }
            try await environment.audit.record(
                items.map {
                    AuditEntry(identity, context, action: "list", resource: "case", resourceID: $0.id.lowercasedString, personID: $0.personId)
                }
            )
            return Page(items: items)
        }

        routes.on(
            .get, "/v1/people/{personId}/cases", Self.readers, scope: .person(parameter: "personId"), summary: "A person's reintegration cases"
        ) { _, context, identity -> Page in
            let person = try context.parameters.uuid("personId")
            let items = try await environment.database.withConnection { connection -> [ReintegrationCase]? in
                guard try await ReferralStore(connection: connection).visiblePerson(person, to: identity) != nil else { return nil }
                return try await CaseStore(connection: connection).cases(of: person, visibleTo: identity)
            }
            guard let items else { throw ReferralRoutes.personNotFound(person) }
            try await environment.audit.record(
                AuditEntry(identity, context, action: "read", resource: "case", resourceID: person.lowercasedString, personID: person))
            return Page(items: items)
        }

        routes.on(.get, "/v1/cases/{caseId}", Self.readers, scope: Self.scope, summary: "One reintegration case") {
            _, context, identity -> ReintegrationCase in
            let id = try context.parameters.uuid("caseId")
            let found = try await environment.database.withConnection {
                try await CaseStore(connection: $0).reintegrationCase(id, visibleTo: identity)
            }
            guard let found else { throw ProblemDetails.notFound("No case \(id) for you.") }
            try await environment.audit.record(
                AuditEntry(identity, context, action: "read", resource: "case", resourceID: id.lowercasedString, personID: found.personId))
            return found
        }

        routes.on(
            .get, "/v1/cases/{caseId}/matches", Self.readers, scope: Self.scope,
            summary: "The open offers that fit the case, best first, each with why it matched", query: [.limit(maximum: 100)]
        ) { request, context, identity -> OfferMatcher.Page in
            let id = try context.parameters.uuid("caseId")
            let limit = request.uri.queryParameters.limit(default: 20)
            let found = try await environment.database.withConnection { connection -> (UUID, OfferMatcher.Page)? in
                guard let found = try await CaseStore(connection: connection).reintegrationCase(id, visibleTo: identity) else { return nil }
                let items = try await OfferMatcher(connection: connection).matches(for: found, today: .today(), limit: limit)
                return (found.personId, OfferMatcher.Page(caseId: id, items: items))
            }
            guard let (person, page) = found else { throw ProblemDetails.notFound("No case \(id) for you.") }
            try await environment.audit.record(
                AuditEntry(identity, context, action: "match", resource: "case", resourceID: id.lowercasedString, personID: person))
            return page
        }

        routes.on(
            .put, "/v1/cases/{caseId}/assessment", Self.writers, scope: Self.scope, summary: "Record the needs assessment",
            responses: Self.responses,
            body: .json(
                BodySchema.Field("needs", .array(.oneOf(Self.needs), maxCount: Self.needs.count), required: true, "What the person wants or needs"),
                .text("skills", maxLength: 1000, multiline: true, "Skills, trades, qualifications"),
                .text("priorWork", maxLength: 1000, multiline: true, "Work before"),
                .date("assessedOn", required: true, "The day of the assessment")),
            answers: [ReintegrationCase.self]
        ) { request, context, identity -> Response in
            let id = try await visible(context, identity)
            let fields = try await JSONFields.body(of: request, context: context)
            var validator = fields.validator
            let day = fields.date("assessedOn").value
            if let day { validator.require(day <= .today(), "/assessedOn", "must not be in the future") }
            let wanted = Set(fields.stringArray("needs").value ?? [])
            let skills = fields.string("skills").value
            let prior = fields.string("priorWork").value
            try validator.finish()
            guard let day else { throw ProblemDetails.badRequest("invalid assessment") }
            let needs = Self.needs.filter(wanted.contains)
            return try await change(id, identity, context, action: "assess", to: .open) { current, store in
                try Self.notBefore(current, day, "/assessedOn")
                try await store.assess(current.id, needs: needs, skills: skills, priorWork: prior, on: day, by: identity.id)
            }
        }

        routes.on(
            .post, "/v1/cases/{caseId}/counselling", Self.writers, scope: Self.scope, summary: "Record counselling given",
            responses: Self.responses,
            body: .json(
                .date("givenOn", required: true, "The day"), .text("givenBy", maxLength: 200, required: true, "Who gave it"),
                .text("topic", maxLength: 500, required: true, "What it was about")),
            answers: [ReintegrationCase.self]
        ) { request, context, identity -> Response in
            let id = try await visible(context, identity)
            let fields = try await JSONFields.body(of: request, context: context)
            var validator = fields.validator
            let day = fields.date("givenOn").value
            if let day { validator.require(day <= .today(), "/givenOn", "must not be in the future") }
            try validator.finish()
            guard let day, let by = fields.string("givenBy").value, let topic = fields.string("topic").value else {
                throw ProblemDetails.badRequest("invalid counselling")
            }
            return try await change(id, identity, context, action: "counsel", to: .open) { current, store in
                try Self.notBefore(current, day, "/givenOn")
                let counselling = ReintegrationCase.Counselling(id: UUID(), givenOn: day, givenBy: by, topic: topic)
                try await store.addCounselling(counselling, to: current.id, by: identity.id)
                try await publisher.publish(
                    ReferralEvents.CounsellingGiven(
                        counsellingId: counselling.id, caseId: current.id, personId: current.personId, givenOn: day, communeCode: current.communeCode,
                        provinceCode: current.provinceCode), on: store.connection)
            }
        }

        routes.on(
            .post, "/v1/cases/{caseId}/close", Self.writers, scope: Self.scope, summary: "Close the case", responses: Self.responses,
            body: .json(.date("on", required: true, "The day"), .text("note", maxLength: 2000, multiline: true, "Why")),
            answers: [ReintegrationCase.self]
        ) { request, context, identity -> Response in
            let id = try await visible(context, identity)
            let fields = try await JSONFields.body(of: request, context: context)
            var validator = fields.validator
            let day = fields.date("on").value
            if let day { validator.require(day <= .today(), "/on", "must not be in the future") }
            try validator.finish()
            guard let day else { throw ProblemDetails.badRequest("invalid close") }
            let note = fields.string("note").value
            return try await change(id, identity, context, action: "close", to: .closed) { current, store in
                try Self.notBefore(current, day, "/on")
                try await store.close(current.id, on: day, reason: "officer", note: note)
            }
        }
    }

    /// 422 unless `day` is on or after the case's opening.
    static func notBefore(_ current: ReintegrationCase, _ day: CalendarDate, _ pointer: String) throws {
        guard day >= current.openedOn else {
            throw ProblemDetails.validation([.init(pointer: pointer, detail: "must not be before the case opened (\(current.openedOn))")])
        }
    }

    private func visible(_ context: AppRequestContext, _ identity: Identity) async throws -> UUID {
        let id = try context.parameters.uuid("caseId")
        let found = try await environment.database.withConnection { try await CaseStore(connection: $0).reintegrationCase(id, visibleTo: identity) }
        guard found != nil else { throw ProblemDetails.notFound("No case \(id) for you.") }
        return id
    }

    /// Locks the case, checks `action` (409 naming the rule), applies it, audits and publishes the
    /// case as it is then, and answers with it.
    private func change(
        _ id: UUID, _ identity: Identity, _ context: AppRequestContext, action: String, to target: ReintegrationCase.Status,
        _ apply: @Sendable (ReintegrationCase, CaseStore) async throws -> Void
    ) async throws -> Response {
        let updated = try await environment.database.withTransaction { connection -> ReintegrationCase in
            let store = CaseStore(connection: connection)
            guard let current = try await store.reintegrationCase(id, visibleTo: identity, lock: true) else {
                throw ProblemDetails.notFound("No case \(id) for you.")
            }
            do throws(StateMachine<ReintegrationCase.Status>.Refusal) {
                try ReintegrationCase.machine.check(action, from: current.status, to: target)
            } catch {
                throw ProblemDetails(error)
            }
            try await apply(current, store)
            guard let updated = try await store.reintegrationCase(id, visibleTo: nil) else { throw ProblemDetails.notFound("No case \(id).") }
            try await AuditLog.append(
                AuditEntry(
                    identity, context, action: action, resource: "case", resourceID: id.lowercasedString, personID: current.personId,
                    detail: ["status": updated.status.rawValue]), on: connection)
            try await publisher.publish(updated.changed, on: connection)
            return updated
        }
        return try Response.json(updated)
    }
}
