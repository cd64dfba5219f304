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

/// Opening and reading treatment episodes. A commune officer (or an admin) opens one for a person
/// of the commune (`POST /v1/people/{personId}/episodes`): the form, the place, the court's
/// decision for compulsory treatment, and the planned term, judged by the regime in force on the
/// planned start (a refusal names the regime and the rule). Officers read the episodes of their
/// jurisdiction, facility staff those at their facility.
struct EpisodeRoutes: Sendable {
    let environment: ServiceEnvironment

    struct Page: ResponseCodable {
        let items: [Episode]
    }

    /// Facility kinds (the registry's) that give each form at a facility.
    static let facilityKinds: [TreatmentForm: Set<String>] = [
        .voluntaryFacility: ["voluntary_treatment", "compulsory_treatment"],
        .compulsory: ["compulsory_treatment"],
        .methadone: ["methadone_clinic"],
        .socialProtectionCentre: ["social_protection_centre"],
    ]

    /// The earliest start this service records (the regimes it knows begin in 2022; older
    /// treatments count through `previousTreatments`).
    static let earliestStart = CalendarDate(year: 2000, month: 1, day: 1)!
    /// Where compulsory treatment takes place.
    static let publicFacilityRule = "Law 73/2021/QH14, Art. 28: compulsory treatment takes place at a public facility"

    /// Who may be in compulsory treatment.
    static let compulsoryAge = (minimum: 12, rule: "Law 73/2021/QH14, Art. 32-34: compulsory treatment from 12 years of age")
    /// Which episodes may run side by side.
    static let oneAtATimeRule =
        "At most one treatment episode at a time; substitution therapy may run alongside treatment at family or community only (Decree 116/2021)"

    static let body = DeclaredBody.json(
        .oneOf("form", TreatmentForm.rawValues, required: true, "The legal form of treatment"),
        .date("plannedStart", required: true, "The first day, as decided; it decides the regime that judges the episode"),
        .date("plannedEnd", "The last day of the term (required for every form the regime sets a term for)"),
        BodySchema.Field("facilityId", .uuid, "The facility (every form but treatment at family or community)"),
        .text("supervisor", maxLength: 200, "Treatment at family or community: who supervises it for the commune"),
        .text("court", maxLength: 300, "Compulsory treatment: the court that decided it"),
        .text("decisionNumber", maxLength: 100, "Compulsory treatment: the decision's number"),
        .date("decisionDate", "Compulsory treatment: the decision's date"),
        .integer("previousTreatments", 0...50, "Treatments the person had before this system recorded them (from paper records)"))

    func add(to routes: SecuredRoutes) {
        routes.on(
            .post, "/v1/people/{personId}/episodes", EpisodeScope.openers, scope: .person(parameter: "personId"),
            summary: "Open a treatment episode (planned) for a person of the caller's commune",
            responses: [409: "Another episode is open, or a rule forbids this episode (`rule` names it)"], body: Self.body,
            answers: [Episode.self]
        ) { request, context, identity -> Response in
            let personID = try context.parameters.uuid("personId")
            guard
                let person = try await environment.database.withConnection({
                    try await PersonDirectory(connection: $0).person(personID, visibleTo: identity)
                })
            else { throw ProblemDetails.notFound("No person \(personID) in your jurisdiction.") }
            let request = try await checked(request, context)
            let episode = try await environment.database.withTransaction { connection -> Episode in
                // Read again inside the transaction: the person may have moved meanwhile.
                try await EpisodeStore(connection: connection).lockPerson(person.id)
                guard let current = try await PersonDirectory(connection: connection).person(personID, visibleTo: identity) else {
                    throw ProblemDetails.notFound("No person \(personID) in your jurisdiction.")
                }
                return try await open(request, for: current, identity, context, connection)
            }
            return try Response.json(episode, status: .created, headers: [.location: "/v1/episodes/\(episode.id.lowercasedString)"])
        }

        routes.on(
            .get, "/v1/people/{personId}/episodes", EpisodeScope.readers, scope: .person(parameter: "personId"),
            summary: "A person's treatment history: every episode the caller may see, the latest first"
        ) { _, context, identity -> Page in
            let personID = try context.parameters.uuid("personId")
            let items = try await environment.database.withConnection { connection -> [Episode]? in
                guard try await PersonDirectory(connection: connection).person(personID, visibleTo: identity) != nil else { return nil }
                return try await EpisodeStore(connection: connection).episodes(of: personID, visibleTo: identity)
            }
            guard let items else { throw ProblemDetails.notFound("No person \(personID) in your jurisdiction.") }
            try await environment.audit.record(
                AuditEntry(identity, context, action: "read", resource: "episode", resourceID: personID.lowercasedString, personID: personID))
            return Page(items: items)
        }

        routes.on(
            .get, "/v1/episodes/{episodeId}", EpisodeScope.readers, scope: .record(resource: "episode", parameter: "episodeId"),
            summary: "One treatment episode"
        ) { _, context, identity -> Episode in
            let id = try context.parameters.uuid("episodeId")
            let episode = try await environment.database.withConnection {
                try await EpisodeStore(connection: $0).episode(id, visibleTo: identity)
            }
            guard let episode else { throw ProblemDetails.notFound("No episode \(id) for you.") }
            try await environment.audit.record(
                AuditEntry(identity, context, action: "read", resource: "episode", resourceID: id.lowercasedString, personID: episode.personId))
            return episode
        }
    }

    /// An opening request, its fields checked one by one.
    struct OpeningRequest {
        let form: TreatmentForm
        let plannedStart: CalendarDate
        let plannedEnd: CalendarDate?
        let facilityID: UUID?
        let supervisor: String?
        let court: Episode.CourtDecision?
        let previousTreatments: Int
    }

    private func checked(_ request: Request, _ context: AppRequestContext) async throws -> OpeningRequest {
        let fields = try await JSONFields.body(of: request, context: context)
        var validator = fields.validator
        let form = fields.string("form").value.flatMap(TreatmentForm.init(rawValue:))
        let start = fields.date("plannedStart").value
        let end = fields.date("plannedEnd").value
        let facility = fields.string("facilityId").value.flatMap(UUID.init(uuidString:))
        let supervisor = fields.string("supervisor").value
        let court = fields.string("court").value
        let number = fields.string("decisionNumber").value
        let decided = fields.date("decisionDate").value
        if let start {
            validator.require(start <= CalendarDate.today().adding(months: 24), "/plannedStart", "must be within two years from today")
            validator.require(start >= Self.earliestStart, "/plannedStart", "must not be before \(Self.earliestStart)")
        }
        if let start, let end {
            validator.require(start <= end, "/plannedEnd", "must not be before plannedStart")
            validator.require(end <= start.adding(months: 120), "/plannedEnd", "must be within ten years of plannedStart")
        }
        if let form {
            if form.atFacility {
                validator.require(facility != nil, "/facilityId", "is required for \(form.rawValue)")
                validator.require(supervisor == nil, "/supervisor", "applies only to treatment at family or community")
            } else {
                validator.require(facility == nil, "/facilityId", "does not apply to treatment at family or community")
                validator.require(supervisor != nil, "/supervisor", "is required for treatment at family or community")
            }
            let courtFields = [("court", court != nil), ("decisionNumber", number != nil), ("decisionDate", decided != nil)]
            for (name, present) in courtFields {
                if form == .compulsory {
                    validator.require(present, "/\(name)", "is required for compulsory treatment (a court decides it)")
                } else {
                    validator.require(!present, "/\(name)", "applies only to compulsory treatment")
                }
            }
        }
        if let decided {
            validator.require(decided <= .today(), "/decisionDate", "must not be in the future")
            if let start { validator.require(decided <= start, "/decisionDate", "must not be after plannedStart") }
        }
        try validator.finish()
        guard let form, let start else { throw ProblemDetails.badRequest("invalid episode") }
        return OpeningRequest(
            form: form, plannedStart: start, plannedEnd: end, facilityID: facility, supervisor: supervisor,
            court: court.flatMap { court in number.flatMap { number in decided.map { .init(court: court, decisionNumber: number, decisionDate: $0) } }
            },
            previousTreatments: fields.integer("previousTreatments").value ?? 0)
    }

    /// Judges the opening by the rules and the regime in force on its start, and records it.
    private func open(
        _ request: OpeningRequest, for person: TreatedPerson, _ identity: Identity, _ context: AppRequestContext, _ connection: PostgresConnection
    ) async throws -> Episode {
        let store = EpisodeStore(connection: connection)
        if let facilityID = request.facilityID {
            guard let facility = try await store.facility(facilityID), facility.active else {
                throw ProblemDetails.validation([.init(pointer: "/facilityId", detail: "is not an active facility in the registry")])
            }
            if request.form == .compulsory, facility.ownership != "public" {
                throw ProblemDetails.ruleConflict(
                    "The facility is \(facility.ownership); compulsory treatment needs a public one.", rule: Self.publicFacilityRule,
                    type: "treatment-rule")
            }
            let kinds = Self.facilityKinds[request.form] ?? []
            guard kinds.contains(facility.kind) else {
                throw ProblemDetails.validation([
                    .init(
                        pointer: "/facilityId",
                        detail: "is a \(facility.kind) facility; \(request.form.rawValue) takes place at \(kinds.sorted().joined(separator: " or "))")
                ])
            }
        }
        guard let regime = try await RegimeStore(connection: connection).book().inForce(on: request.plannedStart) else {
            throw ProblemDetails.validation([.init(pointer: "/plannedStart", detail: "is before any regime this service knows")])
        }
        guard let age = person.age(on: request.plannedStart) else {
            throw ProblemDetails.validation([
                .init(pointer: "/plannedStart", detail: "cannot be judged: the registry has no birth date or year for the person")
            ])
        }
        if request.form == .compulsory, age < Self.compulsoryAge.minimum {
            throw ProblemDetails.ruleConflict(
                "The person is \(age) on \(request.plannedStart): too young for compulsory treatment.", rule: Self.compulsoryAge.rule,
                type: "treatment-rule")
        }
        let open = try await store.openEpisodes(of: person.id)
        let compatible = open.allSatisfy { other in
            (request.form == .methadone && other.form == .voluntaryCommunity) || (request.form == .voluntaryCommunity && other.form == .methadone)
        }
        if let clash = open.first, !compatible {
            throw ProblemDetails.ruleConflict(
                "The person has an open \(clash.form.rawValue) episode (\(clash.id.lowercasedString)); end it before opening another.",
                rule: Self.oneAtATimeRule, type: "episode-open")
        }
        let begun = try await store.treatmentsBegun(by: person.id, before: request.plannedStart)
        let occurrence: Occurrence = begun + request.previousTreatments > 0 ? .repeat : .first
        let term = TreatmentTerm(start: request.plannedStart, plannedEnd: request.plannedEnd)
        if let problem = term.judge(by: regime, form: request.form, age: age, occurrence: occurrence).problem {
            throw ProblemDetails.validation([.init(pointer: "/plannedEnd", detail: problem)])
        }
        let now = Date()
        let episode = Episode(
            id: UUID(), personId: person.id, form: request.form, facilityId: request.facilityID, supervisor: request.supervisor,
            courtDecision: request.court, minor: age < 18, occurrence: occurrence, regime: regime.name, plannedStart: request.plannedStart,
            plannedEnd: request.plannedEnd, termReduction: nil, termEnd: request.plannedEnd, startedOn: nil, endedOn: nil, status: .planned,
            dischargeReason: nil, dischargeNote: nil, stages: [], placements: [], communeCode: person.communeCode,
            provinceCode: person.provinceCode, createdAt: now, updatedAt: now, version: 1)
        try await store.insert(episode, by: identity.id)
        try await store.markRegistered(person.id, on: CalendarDate(now))
        try await AuditLog.append(
            AuditEntry(
                identity, context, action: "create", resource: "episode", resourceID: episode.id.lowercasedString, personID: person.id,
                detail: [
                    "form": request.form.rawValue, "regime": regime.name, "occurrence": occurrence.rawValue,
                    "previousTreatments": String(request.previousTreatments),
                ]), on: connection)
        return episode
    }
}
