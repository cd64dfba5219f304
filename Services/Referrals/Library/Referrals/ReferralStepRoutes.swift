import Access
import Audit
import ContractValues
import EventBus
import Foundation
import Hummingbird
import Postgres
import ReferralsContracts
import Rules
import ServiceKit

/// The steps of a referral after the partner's answer (`POST /v1/referrals/{referralId}/steps`):
/// the officer sends a proposed referral; the partner records enrolment and completion (a course,
/// with its certificate), hiring and confirmed employment (a job, with the wage, within the
/// opening's range), approval and disbursement (a loan, within the programme's limit), or that it
/// was dropped (with a reason). Each step is dated, by whom, audited, and published as
/// `referrals.referral.step_recorded` (and `referrals.referral.changed`); a placement or a
/// disbursement schedules follow-ups at 3, 6 and 12 months.
struct ReferralStepRoutes: Sendable {
    let environment: ServiceEnvironment
    let publisher: EventPublisher
    let changes: ReferralChangeRoutes

    static let steps = ["send", "enrol", "hire", "approve", "complete", "employ", "disburse", "drop"]
    /// The status each step leads to.
    static let targets: [String: ReferralStatus] = [
        "send": .sent, "enrol": .enrolled, "hire": .hired, "approve": .approved, "complete": .completed, "employ": .employed,
        "disburse": .disbursed, "drop": .dropped,
    ]

    struct History: ResponseCodable {
        let items: [ReferralStep]
    }

    func add(to routes: SecuredRoutes) {
        routes.on(
            .get, "/v1/referrals/{referralId}/steps", AccessRule(roles: ReferralScope.readers), scope: .referral(parameter: "referralId"),
            summary: "A referral's steps, each dated and by whom"
        ) { _, context, identity -> History in
            let id = try context.parameters.uuid("referralId")
            let referral = try await changes.visibleOrNotFound(id, identity, context)
            let items = try await environment.database.withConnection { try await ReferralStore(connection: $0).steps(of: id) }
            try await environment.audit.record(
                AuditEntry(
                    identity, context, action: "read", resource: "referral_steps", resourceID: id.lowercasedString, personID: referral.personID))
            return History(items: items)
        }

        routes.on(
            .post, "/v1/referrals/{referralId}/steps", AccessRule(roles: ReferralScope.officers.union(ReferralScope.responders)),
            scope: .referral(parameter: "referralId"), summary: "Record the next step of a referral",
            responses: ReferralChangeRoutes.changeResponses,
            body: .json(
                .oneOf("step", Self.steps, required: true, "send (the referring officer); the others by the partner"),
                .date("on", required: true, "The day of the step"),
                .text("reason", maxLength: 2000, multiline: true, "Why it was dropped (required for drop)"),
                .text("certificate", maxLength: 200, "A completed course's certificate (required to complete a course)"),
                .text("employer", maxLength: 200, "hire: the employer"), .text("position", maxLength: 200, "hire: the position"),
                .integer("wageVnd", 1...1_000_000_000, "hire: the monthly wage in đồng, within the opening's range"),
                .integer("amountVnd", 1...100_000_000_000, "approve, disburse: the loan in đồng, within the programme's limit"),
                .integer("termMonths", 1...240, "approve: the loan's term")),
            answers: [Referral.View.self]
        ) { request, context, identity -> Response in
            let id = try context.parameters.uuid("referralId")
            let current = try await changes.visibleOrNotFound(id, identity, context)
            let fields = try await JSONFields.body(of: request, context: context)
            var validator = fields.validator
            let step = fields.string("step").value ?? ""
            let on = fields.date("on").value
            if let on {
                validator.require(on <= .today(), "/on", "must not be in the future")
                validator.require(on >= CalendarDate(current.createdAt), "/on", "must not be before the referral was made")
            }
            let input = StepInput(
                step: step, on: on ?? .today(), reason: fields.string("reason").value, certificate: fields.string("certificate").value,
                employer: fields.string("employer").value, position: fields.string("position").value, wage: fields.integer("wageVnd").value,
                amount: fields.integer("amountVnd").value, term: fields.integer("termMonths").value)
            for problem in input.missing(kind: current.kind) { validator.add(problem.pointer, problem.detail) }
            try validator.finish()
            guard let target = Self.targets[step] else { throw ProblemDetails.badRequest("invalid step") }
            try Self.checkCaller(identity, step: step)
            if let kind = ReferralStatus.stepKinds[step], kind.rawValue != current.kind {
                throw ProblemDetails.ruleConflict(
                    "A \(current.kind) referral has no \(step) step.", rule: ReferralStatus.machine.transition(step)?.rule, type: "referral-status")
            }
            // Completing a course is its own change (the outcome endpoint completes from accepted).
            let action = step == "complete" ? "complete_course" : step
            return try await changes.change(id, identity, context, action: action, to: target, on: input.on, reason: input.reason) {
                store, locked in
                // Steps follow each other: none dated before the last.
                if let last = try await store.lastStepDay(id), input.on < last {
                    throw ProblemDetails.validation([.init(pointer: "/on", detail: "must not be before the referral's last step (\(last))")])
                }
                try await apply(input, to: locked, store, by: identity.id)
            }
        }
    }

    /// The officer sends; the partner (or an admin for it) records the rest.
    static func checkCaller(_ identity: Identity, step: String) throws {
        guard case .staff(let staff) = identity else { throw ProblemDetails.forbidden("Staff only.") }
        let allowed = step == "send" ? ReferralScope.officers : ReferralScope.responders
        guard allowed.contains(staff.role) else {
            throw ProblemDetails.forbidden(
                step == "send" ? "The referring side sends a referral." : "The partner records the steps after its answer.")
        }
    }

    /// Checks the step against the referral's offer, records it, and publishes it.
    private func apply(_ input: StepInput, to current: Referral, _ store: ReferralStore, by actor: UUID) async throws {
        var terms: ReferralStore.OfferTerms?
        if let offer = current.details.offerId { terms = try await store.offerTerms(offer) }
        var assignments: [SQLFragment] = []
        var wage: Int?
        var amount: Int?
        switch input.step {
        case "enrol":
            if let offer = current.details.offerId, !(try await store.takePlace(on: offer)) {
                throw ProblemDetails.ruleConflict(
                    "The course has no seat left.", rule: "A course takes as many people as it has seats.", type: "offer-full")
            }
        case "hire":
            wage = input.wage
            if let terms, let low = terms.wageMin, let high = terms.wageMax, let wage, !(low...high).contains(wage) {
                throw ProblemDetails.validation([
                    .init(pointer: "/wageVnd", detail: "must be within the opening's monthly wage of \(low) to \(high) đồng")
                ])
            }
            if let offer = current.details.offerId, !(try await store.takePlace(on: offer)) {
                throw ProblemDetails.ruleConflict(
                    "The opening has no place left.", rule: "A job opening takes as many people as it has openings.", type: "offer-full")
            }
            assignments += [
                "employer = \(input.employer)", "position = \(input.position)", "wage_vnd = \(wage)", "placed_on = \(input.on)",
            ]
            try await store.scheduleFollowUps(current.id, from: input.on)
        case "employ":
            assignments += ["outcome = 'employed'", "outcome_on = \(input.on)"]
            wage = current.details.wageVnd
        case "approve", "disburse":
            amount = input.amount ?? current.amountVnd
            if let terms, let limit = terms.limit, let amount, amount > limit {
                throw ProblemDetails.validation([.init(pointer: "/amountVnd", detail: "must not exceed the programme's limit of \(limit) đồng")])
            }
            if let terms, let most = terms.termMonths, let term = input.term, term > most {
                throw ProblemDetails.validation([.init(pointer: "/termMonths", detail: "must not exceed the programme's term of \(most) months")])
            }
            assignments.append("amount_vnd = \(amount)")
            if input.step == "approve" {
                assignments.append("loan_term_months = \(input.term)")
            } else {
                assignments += ["outcome = 'disbursed'", "outcome_on = \(input.on)", "placed_on = \(input.on)"]
                try await store.scheduleFollowUps(current.id, from: input.on)
            }
        case "complete":
            assignments += ["outcome = 'trained'", "outcome_on = \(input.on)", "certificate = \(input.certificate)"]
        case "drop":
            // A seat or an opening taken comes free again, and a placement's follow-ups go.
            if let offer = current.details.offerId, [ReferralStatus.enrolled.rawValue, ReferralStatus.hired.rawValue].contains(current.status) {
                try await store.releasePlace(on: offer)
            }
            try await store.cancelFollowUps(current.id)
            let outcome = ["vocational_training": "dropped_out", "job": "not_employed", "loan": "refused"][current.kind] ?? "dropped_out"
            assignments += ["outcome = \(outcome)", "outcome_on = \(input.on)", "reason = \(input.reason)", "amount_vnd = NULL"]
        default:
            break
        }
        guard let status = Self.targets[input.step] else { return }
        try await store.advance(current.id, to: status, by: actor, assignments)
        try await publisher.publish(
            ReferralEvents.StepRecorded(
                referralId: current.id, personId: current.personID, partnerId: current.partnerID, kind: try ReferralKind.parse(current.kind),
                step: input.step, status: status, on: input.on, wageVnd: wage, amountVnd: input.step == "disburse" ? amount : nil,
                communeCode: current.communeCode, provinceCode: current.provinceCode), on: store.connection)
    }

    /// A step's fields, and which of them its kind requires.
    struct StepInput: Sendable {
        let step: String
        let on: CalendarDate
        let reason: String?
        let certificate: String?
        let employer: String?
        let position: String?
        let wage: Int?
        let amount: Int?
        let term: Int?

        func missing(kind: String) -> [(pointer: String, detail: String)] {
            var missing: [(String, String)] = []
            func need(_ value: Any?, _ name: String) { if value == nil { missing.append(("/\(name)", "is required to \(step)")) } }
            switch step {
            case "drop": need(reason, "reason")
            case "complete": need(certificate, "certificate")
            case "hire":
                need(employer, "employer")
                need(position, "position")
                need(wage, "wageVnd")
            case "approve":
                need(amount, "amountVnd")
                need(term, "termMonths")
            default: break
            }
            return missing
        }
    }
}
