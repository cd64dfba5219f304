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

/// What happens to an episode once opened: admission, stages, a term reduction, a transfer to
/// another facility, and its end (completed, discontinued, transferred to another form). Each
/// change locks the episode, checks `EpisodeMachine` and the rules of the episode's regime (409
/// naming the rule otherwise), is audited and published, in one transaction. Completion opens
/// after-care.
struct EpisodeChangeRoutes: Sendable {
    let environment: ServiceEnvironment
    let publisher: EventPublisher

    static let responses = [
        200: "The episode as it is now", 409: "The episode's status or a rule of its regime does not allow this change (`rule` names it)",
    ]
    static let scope = SecuredRoutes.Scope.record(resource: "episode", parameter: "episodeId")

    /// A change to apply once the episode is locked and the caller and the machine allow it.
    typealias Change = @Sendable (Episode, Regime, ChangeContext) async throws -> Void

    /// What a change works with inside the transaction.
    struct ChangeContext {
        let store: EpisodeStore
        let connection: PostgresConnection
        let identity: Identity
        let publisher: EventPublisher
    }

    func add(to routes: SecuredRoutes) {
        routes.on(
            .post, "/v1/episodes/{episodeId}/start", EpisodeScope.changers, scope: Self.scope,
            summary: "Admit the person, or begin treatment at family or community", responses: Self.responses,
            body: .json(.date("on", required: true, "The first day (from plannedStart, not in the future)")), answers: [Episode.self]
        ) { request, context, identity -> Response in
            let found = try await visible(context, identity)
            let fields = try await JSONFields.body(of: request, context: context)
            let on = fields.date("on").value
            try fields.finish()
            guard let on else { throw ProblemDetails.badRequest("invalid start") }
            return try await change(found, identity, context, action: "start", to: .active, detail: ["on": on.description]) { episode, _, change in
                try Self.require(on <= .today(), "/on", "must not be in the future")
                try Self.require(on >= episode.plannedStart, "/on", "must not be before plannedStart (\(episode.plannedStart))")
                // The term runs from the admission: a late one moves its end by as many days.
                let shift = on.daysSinceEpoch - episode.plannedStart.daysSinceEpoch
                let plannedEnd = episode.plannedEnd?.adding(days: shift)
                try await change.store.start(episode.id, on: on, plannedEnd: plannedEnd, facility: episode.facilityId)
                try await EpisodePublishing.started(episode, on: on, termEnd: plannedEnd, change)
            }
        }

        routes.on(
            .post, "/v1/episodes/{episodeId}/stages", EpisodeScope.changers, scope: Self.scope,
            summary: "Record a completed stage (in order: intake, detoxification, counselling, labour therapy, reintegration)",
            responses: Self.responses,
            body: .json(
                .oneOf("stage", TreatmentStage.allCases.map(\.rawValue), required: true, "The stage completed"),
                .date("completedOn", required: true, "The day it was completed")),
            answers: [Episode.self]
        ) { request, context, identity -> Response in
            let found = try await visible(context, identity)
            let fields = try await JSONFields.body(of: request, context: context)
            let stage = fields.string("stage").value.flatMap(TreatmentStage.init(rawValue:))
            let on = fields.date("completedOn").value
            try fields.finish()
            guard let stage, let on else { throw ProblemDetails.badRequest("invalid stage") }
            return try await change(found, identity, context, action: "complete_stage", to: .active, detail: ["stage": stage.rawValue]) {
                episode, regime, change in
                try Self.require(on <= .today(), "/completedOn", "must not be in the future")
                if let started = episode.startedOn { try Self.require(on >= started, "/completedOn", "must not be before the start (\(started))") }
                let rule = "Decree 116/2021, Art. 4: the five stages are completed in order"
                guard regime.requiredStages(episode.form).value > 0 || episode.form != .methadone else {
                    throw ProblemDetails.ruleConflict(
                        "Substitution therapy has no treatment stages.", rule: regime.requiredStages(episode.form).rule, type: "episode-stage")
                }
                guard !episode.stages.contains(where: { $0.stage == stage }) else {
                    throw ProblemDetails.ruleConflict("Stage \(stage.rawValue) is completed already.", rule: rule, type: "episode-stage")
                }
                let index = TreatmentStage.allCases.firstIndex(of: stage) ?? 0
                if index > 0, !episode.stages.contains(where: { $0.stage == TreatmentStage.allCases[index - 1] }) {
                    throw ProblemDetails.ruleConflict(
                        "Stage \(stage.rawValue) follows \(TreatmentStage.allCases[index - 1].rawValue), which is not completed.", rule: rule,
                        type: "episode-stage")
                }
                if let last = episode.stages.last {
                    try Self.require(on >= last.completedOn, "/completedOn", "must not be before the previous stage (\(last.completedOn))")
                }
                try await change.store.completeStage(episode.id, stage, on: on, by: change.identity.id)
                try await change.publisher.publish(
                    TreatmentEvents.StageCompleted(
                        episodeId: episode.id, personId: episode.personId, stage: stage.rawValue, completedOn: on, facilityId: episode.facilityId),
                    on: change.connection)
            }
        }

        routes.on(
            .post, "/v1/episodes/{episodeId}/term-reduction", EpisodeScope.changers, scope: Self.scope,
            summary: "Reduce the term, within the regime's bounds and after the share of the term it requires", responses: Self.responses,
            body: .json(
                .integer("months", 1...60, required: true, "Months taken off the term"),
                .date("decidedOn", required: true, "The day of the decision"),
                .text("decisionNumber", maxLength: 100, required: true, "The decision's number")),
            answers: [Episode.self]
        ) { request, context, identity -> Response in
            let found = try await visible(context, identity)
            let fields = try await JSONFields.body(of: request, context: context)
            let months = fields.integer("months").value
            let on = fields.date("decidedOn").value
            let number = fields.string("decisionNumber").value
            try fields.finish()
            guard let months, let on, let number else { throw ProblemDetails.badRequest("invalid reduction") }
            return try await change(found, identity, context, action: "reduce_term", to: .active, detail: ["months": String(months)]) {
                episode, regime, change in
                try Self.require(on <= .today(), "/decidedOn", "must not be in the future")
                guard let reduction = regime.termReduction(episode.form) else {
                    throw ProblemDetails.ruleConflict(
                        "\(regime.title) allows no term reduction for \(episode.form.rawValue).",
                        rule: "regime \(regime.name): no term reduction rule",
                        type: "term-reduction")
                }
                let citation = "\(reduction.rule) (regime \(regime.name), \(reduction.provenance.rawValue))"
                guard episode.termReduction == nil else {
                    throw ProblemDetails.ruleConflict("The term was reduced already.", rule: citation, type: "term-reduction")
                }
                try Self.require(
                    (reduction.minimumMonths...reduction.maximumMonths).contains(months), "/months",
                    "must be from \(reduction.minimumMonths) to \(reduction.maximumMonths). \(citation)")
                let served = episode.shareServed(on: on)
                guard served >= reduction.afterShare else {
                    throw ProblemDetails.ruleConflict(
                        "On \(on) \(Int(served * 100))% of the term is served; a reduction needs \(Int(reduction.afterShare * 100))%.",
                        rule: citation, type: "term-reduction")
                }
                let termEnd = Episode.termEnd(plannedEnd: episode.plannedEnd, reductionMonths: months)
                if let termEnd, termEnd < on {
                    throw ProblemDetails.ruleConflict(
                        "Reduced by \(months) months the term would have ended on \(termEnd), before the decision.", rule: citation,
                        type: "term-reduction")
                }
                try await change.store.reduceTerm(episode.id, months: months, on: on, decision: number, termEnd: termEnd)
                // The registry's in-treatment status now ends earlier.
                if let started = episode.startedOn {
                    try await change.publisher.publish(
                        TreatmentEvents.PersonStatusChanged(
                            personId: episode.personId, status: .inTreatment, validFrom: started, validTo: termEnd?.adding(days: 1),
                            reason: "term_reduced"), on: change.connection)
                }
            }
        }

        routes.on(
            .post, "/v1/episodes/{episodeId}/transfer", EpisodeScope.changers, scope: Self.scope,
            summary: "Move the episode to another facility (the episode and its history continue there)", responses: Self.responses,
            body: .json(
                BodySchema.Field("facilityId", .uuid, required: true, "The receiving facility"),
                .date("on", required: true, "The day of the transfer"), .text("reason", maxLength: 500, required: true, "Why")),
            answers: [Episode.self]
        ) { request, context, identity -> Response in
            let found = try await visible(context, identity)
            let fields = try await JSONFields.body(of: request, context: context)
            let facility = fields.string("facilityId").value.flatMap(UUID.init(uuidString:))
            let on = fields.date("on").value
            let reason = fields.string("reason").value
            try fields.finish()
            guard let facility, let on, let reason else { throw ProblemDetails.badRequest("invalid transfer") }
            return try await change(found, identity, context, action: "transfer", to: .active, detail: ["facility": facility.lowercasedString]) {
                episode, _, change in
                guard episode.form.atFacility else {
                    throw ProblemDetails.ruleConflict(
                        "Treatment at family or community has no facility to move from.", rule: EpisodeMachine.machine.transition("transfer")!.rule,
                        type: "episode-transfer")
                }
                try Self.require(facility != episode.facilityId, "/facilityId", "is the episode's facility already")
                try Self.require(on <= .today(), "/on", "must not be in the future")
                let since = episode.placements.last?.from ?? episode.startedOn ?? episode.plannedStart
                try Self.require(on > since, "/on", "must be after the episode came to its current facility (\(since))")
                guard let receiving = try await change.store.facility(facility), receiving.active else {
                    throw ProblemDetails.validation([.init(pointer: "/facilityId", detail: "is not an active facility in the registry")])
                }
                let kinds = EpisodeRoutes.facilityKinds[episode.form] ?? []
                try Self.require(
                    kinds.contains(receiving.kind), "/facilityId",
                    "is a \(receiving.kind) facility; \(episode.form.rawValue) takes place at \(kinds.sorted().joined(separator: " or "))")
                try await change.store.transfer(episode.id, to: facility, on: on, reason: reason)
                try await change.publisher.publish(
                    TreatmentEvents.EpisodeTransferred(
                        episodeId: episode.id, personId: episode.personId, fromFacilityId: episode.facilityId, toFacilityId: facility, on: on),
                    on: change.connection)
            }
        }

        routes.on(
            .post, "/v1/episodes/{episodeId}/end", EpisodeScope.changers, scope: Self.scope,
            summary: "End the episode: completed (after-care opens), discontinued, or transferred to another form", responses: Self.responses,
            body: .json(
                .oneOf("reason", DischargeReason.rawValues, required: true, "Why it ended; completed needs the stages done and the term served"),
                .date("on", required: true, "The last day"), .text("note", maxLength: 2000, multiline: true)),
            answers: [Episode.self]
        ) { request, context, identity -> Response in
            let found = try await visible(context, identity)
            let fields = try await JSONFields.body(of: request, context: context)
            let reason = fields.string("reason").value.flatMap(DischargeReason.init(rawValue:))
            let on = fields.date("on").value
            let note = fields.string("note").value
            try fields.finish()
            guard let reason, let on else { throw ProblemDetails.badRequest("invalid end") }
            return try await change(
                found, identity, context, action: EpisodeMachine.endAction(reason), to: reason.status, detail: ["reason": reason.rawValue]
            ) {
                episode, regime, change in
                try Self.require(on <= .today(), "/on", "must not be in the future")
                if let started = episode.startedOn { try Self.require(on >= started, "/on", "must not be before the start (\(started))") }
                if let last = episode.stages.last {
                    try Self.require(on >= last.completedOn, "/on", "must not be before the last stage (\(last.completedOn))")
                }
                if let placed = episode.placements.last?.from {
                    try Self.require(on >= placed, "/on", "must not be before the current placement (\(placed))")
                }
                if reason == .completed { try Self.checkCompletion(episode, on: on, regime: regime) }
                try await change.store.end(episode.id, reason: reason, on: on, note: note)
                try await EpisodePublishing.ended(episode, reason: reason, on: on, regime: regime, change)
            }
        }
    }

    /// 409 unless the episode may complete on `on`: the stages its regime requires, and its term
    /// (after any reduction) served.
    static func checkCompletion(_ episode: Episode, on day: CalendarDate, regime: Regime) throws {
        let required = regime.requiredStages(episode.form)
        let needed = TreatmentStage.allCases.prefix(required.value)
        let missing = needed.filter { stage in !episode.stages.contains { $0.stage == stage } }
        guard missing.isEmpty else {
            throw ProblemDetails.ruleConflict(
                "\(episode.form.rawValue) completes after \(required.value) stages; not completed: \(missing.map(\.rawValue).joined(separator: ", ")).",
                rule: "\(required.rule) (regime \(regime.name), \(required.provenance.rawValue))", type: "episode-completion")
        }
        if let termEnd = episode.termEnd, day < termEnd {
            let term = regime.duration(.treatment, form: episode.form, age: episode.minor ? 17 : 18, occurrence: episode.occurrence)
            throw ProblemDetails.ruleConflict(
                "The term runs to \(termEnd) (after any reduction); it cannot complete on \(day). End it as discontinued, or reduce the term.",
                rule: term.map { "\($0.rule) (regime \(regime.name))" } ?? "regime \(regime.name)", type: "episode-completion")
        }
    }

    /// 422 naming `pointer` unless `condition` holds.
    static func require(_ condition: Bool, _ pointer: String, _ detail: String) throws {
        guard condition else { throw ProblemDetails.validation([.init(pointer: pointer, detail: detail)]) }
    }

    /// An episode the caller may see: its id and its person (which never changes).
    struct Found {
        let id: UUID
        let person: UUID
    }

    /// The episode, or 404 (recorded as denied) when the caller may not see it.
    private func visible(_ context: AppRequestContext, _ identity: Identity) async throws -> Found {
        let id = try context.parameters.uuid("episodeId")
        let person = try await environment.database.withConnection {
            try await EpisodeStore(connection: $0).episode(id, visibleTo: identity)?.personId
        }
        guard let person else { throw ProblemDetails.notFound("No episode \(id) for you.") }
        return Found(id: id, person: person)
    }

    /// Locks the person, then the episode (as opening an episode does: changes of one person's
    /// episodes and after-care happen one at a time), checks the caller (403) and `action` to
    /// `target` (409), applies `apply` under the episode's regime, audits, tells the registry, and
    /// answers with the episode.
    private func change(
        _ found: Found, _ identity: Identity, _ context: AppRequestContext, action: String, to target: EpisodeStatus,
        detail: [String: String], _ apply: Change
    ) async throws -> Response {
        let id = found.id
        let updated = try await environment.database.withTransaction { connection -> Episode in
            let store = EpisodeStore(connection: connection)
            try await store.lockPerson(found.person)
            guard let current = try await store.episode(id, visibleTo: identity, lock: true) else {
                throw ProblemDetails.notFound("No episode \(id) for you.")
            }
            guard EpisodeScope.mayChange(identity, current, action: action) else {
                throw ProblemDetails.forbidden(
                    current.form.atFacility
                        ? "The facility runs this episode; a commune officer may only cancel it before it begins."
                        : "The commune runs treatment at family or community.")
            }
            do throws(StateMachine<EpisodeStatus>.Refusal) {
                try EpisodeMachine.machine.check(action, from: current.status, to: target)
            } catch {
                throw ProblemDetails(error)
            }
            guard let regime = try await RegimeStore(connection: connection).book().regimes.first(where: { $0.name == current.regime }) else {
                throw ProblemDetails.conflict("The episode's regime \(current.regime) is not known to this service.", type: "episode-regime")
            }
            try await apply(current, regime, ChangeContext(store: store, connection: connection, identity: identity, publisher: publisher))
            guard let updated = try await store.episode(id, visibleTo: nil) else { throw ProblemDetails.notFound("No episode \(id).") }
            try await AuditLog.append(
                AuditEntry(
                    identity, context, action: action, resource: "episode", resourceID: id.lowercasedString, personID: current.personId,
                    detail: detail.merging(["status": updated.status.rawValue]) { first, _ in first }), on: connection)
            // The registry follows which facility has the person (an episode that never began had none).
            if action != "complete_stage" && action != "reduce_term", updated.startedOn != nil {
                try await publisher.publish(updated.changed, on: connection)
            }
            return updated
        }
        return try Response.json(updated)
    }
}
