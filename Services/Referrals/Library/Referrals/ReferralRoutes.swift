import Access
import Audit
import ContractValues
import EventBus
import Foundation
import Hummingbird
import Postgres
import ServiceKit

/// Referrals to partner organisations: making and reading them (`ReferralChangeRoutes` answers,
/// closes and withdraws them).
///
/// Officers refer a person they may see (`POST /v1/people/{personId}/referrals`) and follow the
/// referrals of their area; the partner it is addressed to sees only the person's name and phone
/// and the request. Every read and write is in the audit trail with the person's id; every change
/// is published as `referrals.referral.changed`.
struct ReferralRoutes: Sendable {
    let environment: ServiceEnvironment
    let publisher: EventPublisher

    struct PersonPage: ResponseCodable {
        let items: [Referral.OfficerView]
    }

    struct Page: ResponseCodable {
        let items: [Referral.View]
        /// The cursor of the next page (`?after=`), absent on the last.
        let next: String?
    }

    func add(to routes: SecuredRoutes) {
        addPersonRoutes(to: routes)
        addListing(to: routes)
    }

    /// The 404 for a referral the caller may not see (`SecuredRoutes` records the attempt).
    static func notFound(_ id: UUID) -> ProblemDetails {
        ProblemDetails.notFound("No referral \(id) for you.")
    }

    /// The 404 for a person outside the caller's jurisdiction (`SecuredRoutes` records the attempt).
    static func personNotFound(_ id: UUID) -> ProblemDetails {
        ProblemDetails.notFound("No person \(id) in your jurisdiction.")
    }

    // MARK: A person's referrals

    private func addPersonRoutes(to routes: SecuredRoutes) {
        let officers = AccessRule(roles: ReferralScope.officers)
        routes.on(
            .post, "/v1/people/{personId}/referrals", officers, scope: .person(parameter: "personId"),
            summary: "Refer a person to a partner organisation",
            body: .json(
                BodySchema.Field("partnerId", .uuid, required: true, "An active partner organisation"),
                .oneOf("kind", ReferralKind.rawValues, required: true),
                .text("request", maxLength: 2000, required: true, multiline: true, "What the person needs, for the partner"),
                BodySchema.Field("offerId", .uuid, "The partner's offer it is for (its kind must fit: a course, a job, a loan programme)"),
                BodySchema.Field("caseId", .uuid, "The person's reintegration case it comes from"),
                .boolean("propose", "true: recorded as proposed, sent later (a send step)")),
            answers: [Referral.View.self]
        ) { request, context, identity -> Response in
            let personID = try context.parameters.uuid("personId")
            // Scope first: outside it the answer is 404 whatever the body says.
            let place = try await environment.database.withConnection {
                try await ReferralStore(connection: $0).visiblePerson(personID, to: identity)
            }
            guard place != nil else { throw Self.personNotFound(personID) }
            let fields = try await JSONFields.body(of: request, context: context)
            let partnerID = fields.string("partnerId").value.flatMap(UUID.init(uuidString:))
            let kind = fields.string("kind").value.flatMap(ReferralKind.init(rawValue:))
            let requestText = fields.string("request").value
            let offerID = fields.string("offerId").value.flatMap(UUID.init(uuidString:))
            let caseID = fields.string("caseId").value.flatMap(UUID.init(uuidString:))
            let status: ReferralStatus = fields.bool("propose").value == true ? .proposed : .sent
            try fields.finish()
            guard let partnerID, let kind, let requestText else { throw ProblemDetails.badRequest("invalid referral") }

            let referral = try await environment.database.withTransaction { connection -> Referral in
                let store = ReferralStore(connection: connection)
                // Read again inside the transaction: the person may have moved meanwhile.
                guard let place = try await store.visiblePerson(personID, to: identity) else {
                    throw ProblemDetails.notFound("No person \(personID) in your jurisdiction.")
                }
                switch try await store.partnerIsActive(partnerID) {
                case nil:
                    throw ProblemDetails.validation([.init(pointer: "/partnerId", detail: "is not a registered partner organisation")])
                case false?:
                    throw ProblemDetails.validation([.init(pointer: "/partnerId", detail: "no longer takes referrals (deactivated)")])
                case true?:
                    break
                }
                if let offerID {
                    let offerKinds = ["course": ReferralKind.vocationalTraining, "job": .job, "loan_programme": .loan]
                    guard let terms = try await store.offerTerms(offerID), terms.partner == partnerID, terms.active else {
                        throw ProblemDetails.validation([.init(pointer: "/offerId", detail: "is not an open offer of this partner")])
                    }
                    guard offerKinds[terms.kind] == kind else {
                        throw ProblemDetails.validation([
                            .init(pointer: "/offerId", detail: "is a \(terms.kind), not for a \(kind.rawValue) referral")
                        ])
                    }
                }
                if let caseID {
                    let found = try await CaseStore(connection: connection).reintegrationCase(caseID, visibleTo: identity)
                    guard let found, found.personId == personID, found.status == .open else {
                        throw ProblemDetails.validation([.init(pointer: "/caseId", detail: "is not an open case of this person in your area")])
                    }
                }
                let id = UUID()
                try await store.insert(
                    id: id, person: personID, partner: partnerID, kind: kind, request: requestText,
                    commune: place.commune, province: place.province, offer: offerID, case: caseID, status: status, by: identity.id)
                try await store.recordStep(
                    id, action: status == .proposed ? "propose" : "make", status: status, on: .today(), reason: nil, by: identity.id)
                guard let referral = try await store.referral(id, visibleTo: identity) else {
                    throw ProblemDetails.notFound("No person \(personID) in your jurisdiction.")
                }
                try await AuditLog.append(
                    AuditEntry(
                        identity, context, action: "create", resource: "referral", resourceID: id.uuidString.lowercased(), personID: personID,
                        detail: ["kind": kind.rawValue, "partner": partnerID.uuidString.lowercased()]), on: connection)
                try await publisher.publish(try ReferralStore.event(referral), on: connection)
                return referral
            }
            return try Response.json(
                referral.officerView, status: .created, headers: [.location: "/v1/referrals/\(referral.id.uuidString.lowercased())"])
        }

        routes.on(
            .get, "/v1/people/{personId}/referrals", officers, scope: .person(parameter: "personId"),
            summary: "A person's referrals, newest first"
        ) { _, context, identity -> PersonPage in
            let personID = try context.parameters.uuid("personId")
            let referrals = try await environment.database.withConnection { connection -> [Referral]? in
                let store = ReferralStore(connection: connection)
                guard try await store.visiblePerson(personID, to: identity) != nil else { return nil }
                return try await store.referrals(ofPerson: personID)
            }
            guard let referrals else { throw Self.personNotFound(personID) }
            try await environment.audit.record(
                AuditEntry(
                    identity, context, action: "read", resource: "referral", personID: personID, detail: ["count": "\(referrals.count)"]))
            return PersonPage(items: referrals.map(\.officerView))
        }
    }

    // MARK: Listing and reading

    private func addListing(to routes: SecuredRoutes) {
        let readers = AccessRule(roles: ReferralScope.readers)
        routes.on(
            .get, "/v1/referrals", readers, scope: .referralList,
            summary: "Referrals the caller may see, newest first",
            query: [
                QueryParameter("status", values: ReferralStatus.rawValues, "Only referrals in this status"),
                QueryParameter("kind", values: ReferralKind.rawValues, "Only referrals of this kind"),
                QueryParameter("communeCode", .formatted(.communeCode), "Only referrals of people of this commune"), .after,
                .limit(maximum: 500),
            ]
        ) { request, context, identity -> Page in
            let query = request.uri.queryParameters
            var validator = FieldValidator()
            let status = query["status"].map(String.init)
            let kind = query["kind"].map(String.init)
            let commune = query["communeCode"].map(String.init)
            var after: (micros: Int, id: UUID)?
            if let cursor = query["after"] {
                let parts = cursor.split(separator: "_")
                if parts.count == 2, let micros = Int(parts[0]), let id = UUID(uuidString: String(parts[1])) {
                    after = (micros, id)
                } else {
                    validator.add("?after", "must be the next cursor of an earlier page")
                }
            }
            let limit = query.limit(default: 50)
            try validator.finish()
            var referrals = try await environment.database.withConnection {
                try await ReferralStore(connection: $0).list(
                    visibleTo: identity, status: status, kind: kind, commune: commune, after: after, limit: limit + 1)
            }
            var next: String?
            if referrals.count > limit {
                referrals.removeLast()
                if let last = referrals.last { next = "\(last.createdMicros)_\(last.id.uuidString.lowercased())" }
            }
            try await environment.audit.record(
                referrals.map { referral in
                    AuditEntry(
                        identity, context, action: "list", resource: "referral", resourceID: referral.id.uuidString.lowercased(),
                        personID: referral.personID)
                })
            let partner = ReferralScope.isPartner(identity)
            return Page(items: referrals.map { $0.view(forPartner: partner) }, next: next)
        }

        routes.on(
            .get, "/v1/referrals/{referralId}", readers, scope: .referral(parameter: "referralId"),
            summary: "Read a referral", answers: [Referral.View.self]
        ) { _, context, identity -> Response in
            let id = try context.parameters.uuid("referralId")
            let referral = try await environment.database.withConnection { try await ReferralStore(connection: $0).referral(id, visibleTo: identity) }
            guard let referral else { throw Self.notFound(id) }
            try await environment.audit.record(
                AuditEntry(
                    identity, context, action: "read", resource: "referral", resourceID: id.uuidString.lowercased(), personID: referral.personID))
            return try Response.json(referral.view(forPartner: ReferralScope.isPartner(identity)))
        }
    }
}
