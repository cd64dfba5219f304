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

/// Law 120/2025's measures, recorded by the commune (its police) for people of the commune:
/// electronic monitoring (`/v1/people/{personId}/monitoring`), allowed only under a regime that
/// sets its duration and only during treatment at family or community, substitution therapy or
/// after-care; and declarations of substances used (`/v1/people/{personId}/substance-declarations`).
struct MonitoringRoutes: Sendable {
    let environment: ServiceEnvironment
    let publisher: EventPublisher

    struct MonitoringPage: ResponseCodable {
        let items: [Monitoring]
    }

    struct DeclarationPage: ResponseCodable {
        let items: [SubstanceDeclaration]
    }

    static let writers = AccessRule.staff(.admin, .communeOfficer)
    static let readers = AccessRule.staff(.admin, .provinceOfficer, .communeOfficer)
    static let duringRule =
        "Law 120/2025/QH15: electronic monitoring during treatment at family or community, substitution treatment or after-care (reported)"

    func add(to routes: SecuredRoutes) {
        let scope = SecuredRoutes.Scope.person(parameter: "personId")
        routes.on(
            .post, "/v1/people/{personId}/monitoring", Self.writers, scope: scope,
            summary: "Record electronic monitoring ordered by the commune police",
            responses: [409: "The regime in force sets no monitoring, or the person is in none of the measures it accompanies (`rule`)"],
            body: .json(
                .text("device", maxLength: 100, required: true, "The device worn (its kind and serial number)"),
                .date("startsOn", required: true, "The first day"), .date("endsOn", required: true, "The last day"),
                .text("reason", maxLength: 1000, required: true, "Why it was ordered"),
                .text("decisionNumber", maxLength: 100, required: true, "The commune police chief's decision")),
            answers: [Monitoring.self]
        ) { request, context, identity -> Response in
            let personID = try context.parameters.uuid("personId")
            let person = try await visiblePerson(personID, identity)
            let fields = try await JSONFields.body(of: request, context: context)
            var validator = fields.validator
            let starts = fields.date("startsOn").value
            let ends = fields.date("endsOn").value
            if let starts { validator.require(starts <= .today(), "/startsOn", "must not be in the future") }
            if let starts, let ends { validator.require(starts <= ends, "/endsOn", "must not be before startsOn") }
            try validator.finish()
            guard let starts, let ends, let device = fields.string("device").value, let reason = fields.string("reason").value,
                let decision = fields.string("decisionNumber").value
            else { throw ProblemDetails.badRequest("invalid monitoring") }
            let monitoring = try await environment.database.withTransaction { connection -> Monitoring in
                guard let regime = try await RegimeStore(connection: connection).book().inForce(on: starts) else {
                    throw ProblemDetails.validation([.init(pointer: "/startsOn", detail: "is before any regime this service knows")])
                }
                guard regime.duration(.monitoring) != nil else {
                    throw ProblemDetails.ruleConflict(
                        "\(regime.title) has no electronic monitoring.", rule: "regime \(regime.name): no monitoring duration",
                        type: "monitoring-rule")
                }
                let term = TreatmentTerm(start: starts, plannedEnd: ends)
                if let problem = term.judge(by: regime, form: nil, age: nil, occurrence: nil, measure: .monitoring).problem {
                    throw ProblemDetails.validation([.init(pointer: "/endsOn", detail: problem)])
                }
                let store = MonitoringStore(connection: connection)
                guard let (during, record) = try await store.accompanied(personID, on: starts) else {
                    throw ProblemDetails.ruleConflict(
                        "On \(starts) the person is in neither treatment at family or community, substitution therapy nor after-care.",
                        rule: Self.duringRule, type: "monitoring-rule")
                }
                let monitoring = Monitoring(
                    id: UUID(), personId: personID, during: during, recordId: record, device: device, startsOn: starts, endsOn: ends,
                    reason: reason, decisionNumber: decision, regime: regime.name, recordedAt: Date())
                try await store.insert(monitoring, commune: person.communeCode, province: person.provinceCode, by: identity.id)
                try await publisher.publish(
                    TreatmentEvents.MonitoringOrdered(
                        monitoringId: monitoring.id, personId: personID, startsOn: starts, endsOn: ends, during: during, regime: regime.name,
                        communeCode: person.communeCode, provinceCode: person.provinceCode), on: connection)
                try await AuditLog.append(
                    AuditEntry(
                        identity, context, action: "create", resource: "monitoring", resourceID: monitoring.id.lowercasedString, personID: personID),
                    on: connection)
                return monitoring
            }
            return try Response.json(monitoring, status: .created, headers: [.location: "/v1/people/\(personID.lowercasedString)/monitoring"])
        }

        routes.on(.get, "/v1/people/{personId}/monitoring", Self.readers, scope: scope, summary: "A person's electronic monitoring") {
            _, context, identity -> MonitoringPage in
            let personID = try context.parameters.uuid("personId")
            _ = try await visiblePerson(personID, identity)
            let items = try await environment.database.withConnection { try await MonitoringStore(connection: $0).monitoring(of: personID) }
            try await environment.audit.record(
                AuditEntry(identity, context, action: "read", resource: "monitoring", resourceID: personID.lowercasedString, personID: personID))
            return MonitoringPage(items: items)
        }

        routes.on(
            .post, "/v1/people/{personId}/substance-declarations", Self.writers, scope: scope,
            summary: "Record the substances a person declared having used",
            body: .json(
                .date("declaredOn", required: true, "The day of the declaration"),
                BodySchema.Field(
                    "substances", .array(.oneOf(Substance.rawValues), maxCount: Substance.allCases.count), required: true, "What was declared"),
                .text("note", maxLength: 2000, multiline: true)),
            answers: [SubstanceDeclaration.self]
        ) { request, context, identity -> Response in
            let personID = try context.parameters.uuid("personId")
            let person = try await visiblePerson(personID, identity)
            let fields = try await JSONFields.body(of: request, context: context)
            var validator = fields.validator
            let day = fields.date("declaredOn").value
            if let day { validator.require(day <= .today(), "/declaredOn", "must not be in the future") }
            let listed = fields.stringArray("substances").value ?? []
            if fields.stringArray("substances").value?.isEmpty == true { validator.add("/substances", "must name at least one substance") }
            try validator.finish()
            guard let day else { throw ProblemDetails.badRequest("invalid declaration") }
            let substances = Substance.allCases.filter { Set(listed).contains($0.rawValue) }.map(\.rawValue)
            let declaration = try await environment.database.withTransaction { connection -> SubstanceDeclaration in
                guard let regime = try await RegimeStore(connection: connection).book().inForce(on: day) else {
                    throw ProblemDetails.validation([.init(pointer: "/declaredOn", detail: "is before any regime this service knows")])
                }
                let declaration = SubstanceDeclaration(
                    id: UUID(), personId: personID, declaredOn: day, substances: substances, note: fields.string("note").value, regime: regime.name,
                    recordedAt: Date())
                try await MonitoringStore(connection: connection).insert(
                    declaration, commune: person.communeCode, province: person.provinceCode, by: identity.id)
                try await AuditLog.append(
                    AuditEntry(
                        identity, context, action: "create", resource: "substance_declaration", resourceID: declaration.id.lowercasedString,
                        personID: personID), on: connection)
                return declaration
            }
            return try Response.json(
                declaration, status: .created, headers: [.location: "/v1/people/\(personID.lowercasedString)/substance-declarations"])
        }

        routes.on(
            .get, "/v1/people/{personId}/substance-declarations", Self.readers, scope: scope, summary: "A person's declarations of substances used"
        ) { _, context, identity -> DeclarationPage in
            let personID = try context.parameters.uuid("personId")
            _ = try await visiblePerson(personID, identity)
            let items = try await environment.database.withConnection { try await MonitoringStore(connection: $0).declarations(of: personID) }
            try await environment.audit.record(
                AuditEntry(
                    identity, context, action: "read", resource: "substance_declaration", resourceID: personID.lowercasedString, personID: personID))
            return DeclarationPage(items: items)
        }
    }

    private func visiblePerson(_ id: UUID, _ identity: Identity) async throws -> TreatedPerson {
        let person = try await environment.database.withConnection { try await PersonDirectory(connection: $0).person(id, visibleTo: identity) }
        guard let person else { throw ProblemDetails.notFound("No person \(id) in your jurisdiction.") }
        return person
    }
}
