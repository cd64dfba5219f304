import Access
import Audit
import ContractValues
import EventBus
import Foundation
import Hummingbird
import Postgres
import Rules
import ServiceKit

/// What happens to a referral after it is made: the partner accepts or declines it and reports
/// the outcome; the referring side may withdraw it while it is open. Each change locks the
/// referral, checks its status (409 `referral-status` otherwise), is audited with the person's
/// id and published as `referrals.referral.changed`, all in one transaction.
struct ReferralChangeRoutes: Sendable {
    let environment: ServiceEnvironment
    let publisher: EventPublisher

    /// What a change of a referral answers besides the usual: the referral as it is now, or the
    /// rule of `ReferralStatus.machine` its state does not allow.
    static let changeResponses = [200: "The referral as it is now", 409: "The referral's status does not allow this change (`rule` names why)"]

    func add(to routes: SecuredRoutes) {
        let responders = AccessRule(roles: ReferralScope.responders)
        routes.on(
            .post, "/v1/referrals/{referralId}/response", responders, scope: .referral(parameter: "referralId"),
            summary: "Accept or decline a referral (the partner)",
            responses: Self.changeResponses,
            body: .json(
                .oneOf("decision", ["accepted", "declined"], required: true),
                .text("note", maxLength: 2000, multiline: true, "For the other side; why, when declined (required then)")),
            answers: [Referral.View.self]
        ) { request, context, identity -> Response in
            let id = try context.parameters.uuid("referralId")
            try await visibleOrNotFound(id, identity, context)
            let fields = try await JSONFields.body(of: request, context: context)
            var validator = fields.validator
            let decision = fields.string("decision").value
            let note = fields.string("note").value
            if decision == "declined", note == nil { validator.add("/note", "is required to decline: say why") }
            try validator.finish()
            guard let decision, let status = ReferralStatus(rawValue: decision) else { throw ProblemDetails.badRequest("invalid answer") }
            return try await change(id, identity, context, action: "respond", to: status, reason: status == .declined ? note : nil) { store, _ in
                try await store.update(id, status: status, note: note, reason: status == .declined ? note : nil, by: identity.id)
            }
        }

        routes.on(
            .post, "/v1/referrals/{referralId}/outcome", responders, scope: .referral(parameter: "referralId"),
            summary: "Report the outcome of an accepted referral (the partner)",
            responses: Self.changeResponses,
            body: .json(
                .oneOf("outcome", ReferralKind.allOutcomes, required: true, "One of the outcomes of the referral's kind"),
                .date("on", required: true, "The day of the outcome"),
                .integer("amountVnd", 1...10_000_000_000, "The amount of a disbursed loan, in đồng"), .text("note", maxLength: 2000, multiline: true)),
            answers: [Referral.View.self]
        ) { request, context, identity -> Response in
            let id = try context.parameters.uuid("referralId")
            let current = try await visibleOrNotFound(id, identity, context)
            let kind = ReferralKind(rawValue: current.kind) ?? .job
            var fields = try await JSONFields.body(of: request, context: context)
            let outcome = fields.string("outcome").value
            if let outcome, !kind.outcomes.contains(outcome) {
                fields.validator.add(
                    fields.path("outcome"), "must be one of \(kind.outcomes.joined(separator: ", ")) for a \(kind.rawValue) referral")
            }
            let on = fields.date("on").value
            if let on, on > CalendarDate.today() { fields.validator.add(fields.path("on"), "must not be in the future") }
            if let on, on < CalendarDate(current.createdAt) { fields.validator.add(fields.path("on"), "must not be before the referral was made") }
            let amount = fields.integer("amountVnd").value
            if outcome == "disbursed", amount == nil { fields.validator.add(fields.path("amountVnd"), "is required for a disbursed loan") }
            if amount != nil, outcome != "disbursed" { fields.validator.add(fields.path("amountVnd"), "applies only to a disbursed loan") }
            let note = fields.string("note").value
            try fields.finish()
            guard let outcome, let on else { throw ProblemDetails.badRequest("invalid outcome") }
            return try await change(id, identity, context, action: "complete", to: .completed, on: on) { store, locked in
                // A loan to an offer stays within its programme's limit, whichever way it is reported.
                if let offer = locked.details.offerId, let limit = try await store.offerTerms(offer)?.limit, let amount, amount > limit {
                    throw ProblemDetails.validation([.init(pointer: "/amountVnd", detail: "must not exceed the programme's limit of \(limit) đồng")])
                }
                try await store.update(id, status: .completed, outcome: outcome, outcomeOn: on, amountVnd: amount, note: note, by: identity.id)
            }
        }

        routes.on(
            .post, "/v1/referrals/{referralId}/withdraw", AccessRule(roles: ReferralScope.officers), scope: .referral(parameter: "referralId"),
            summary: "Withdraw a referral not completed yet (the referring side)",
            responses: Self.changeResponses, body: .json(BodySchema([.text("note", maxLength: 2000, multiline: true, "Why")]), required: false),
            answers: [Referral.View.self]
        ) { request, context, identity -> Response in
            let id = try context.parameters.uuid("referralId")
            try await visibleOrNotFound(id, identity, context)
            let fields = try await JSONFields.body(of: request, context: context)
            let note = fields.string("note").value
            try fields.finish()
            return try await change(id, identity, context, action: "withdraw", to: .withdrawn) { store, _ in
                try await store.update(id, status: .withdrawn, note: note, by: identity.id)
            }
        }
    }

    /// The referral, or a 404 (recorded as denied) when the caller may not see it.
    @discardableResult
    func visibleOrNotFound(_ id: UUID, _ identity: Identity, _ context: AppRequestContext) async throws -> Referral {
        let referral = try await environment.database.withConnection { try await ReferralStore(connection: $0).referral(id, visibleTo: identity) }
        guard let referral else { throw ReferralRoutes.notFound(id) }
        return referral
    }

    /// Locks the referral, checks `action` to `target` against `ReferralStatus.machine` (409
    /// naming the rule otherwise), applies `apply`, records the step (dated `on`, by whom, with
    /// `reason`), audits and publishes the new state, and answers with it.
    func change(
        _ id: UUID, _ identity: Identity, _ context: AppRequestContext, action: String, to target: ReferralStatus,
        on day: CalendarDate = .today(), reason: String? = nil, _ apply: (ReferralStore, Referral) async throws -> Void
    ) async throws -> Response {
        let updated = try await environment.database.withTransaction { connection -> Referral in
            let store = ReferralStore(connection: connection)
            guard let current = try await store.referral(id, visibleTo: identity, lock: true) else {
                throw ProblemDetails.notFound("No referral \(id) for you.")
            }
            guard let status = ReferralStatus(rawValue: current.status) else {
                throw ProblemDetails.conflict("The referral is \(current.status), which no change starts from.", type: "referral-status")
            }
            do throws(StateMachine<ReferralStatus>.Refusal) {
                try ReferralStatus.machine.check(action, from: status, to: target)
            } catch {
                throw ProblemDetails(error)
            }
            try await apply(store, current)
            try await store.recordStep(id, action: action, status: target, on: day, reason: reason, by: identity.id)
            guard let updated = try await store.referral(id, visibleTo: identity) else { throw ProblemDetails.notFound("No referral \(id) for you.") }
            try await AuditLog.append(
                AuditEntry(
                    identity, context, action: action, resource: "referral", resourceID: id.uuidString.lowercased(), personID: current.personID,
                    detail: ["status": updated.status]), on: connection)
            try await publisher.publish(try ReferralStore.event(updated), on: connection)
            return updated
        }
        return try Response.json(updated.view(forPartner: ReferralScope.isPartner(identity)))
    }
}
