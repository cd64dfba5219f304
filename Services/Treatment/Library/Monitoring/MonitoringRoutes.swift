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
                guard let (during, record) = try await accompanied(personID, on: starts, connection) else {
                    throw ProblemDetails.ruleConflict(
                        "On \(starts) the person is in neither treatment at family or community, substitution therapy nor after-care.",
                        rule: Self.duringRule, type: "monitoring-rule")
                }
                let monitoring = Monitoring(
                    id: UUID(), personId: personID, during: during, recordId: record, device: device, startsOn: starts, endsOn: ends,
                    reason: reason, decisionNumber: decision, regime: regime.name, recordedAt: Date())
                try await connection.query(
                    """
                    INSERT INTO treatment.monitoring
                        (id, person_id, during, record_id, device, starts_on, ends_on, reason, decision_number, regime, commune_code, province_code,
                         recorded_by, recorded_at)
                    VALUES (\(monitoring.id), \(personID), \(during), \(record), \(device), \(starts), \(ends), \(reason), \(decision), \(regime.name),
                            \(person.communeCode), \(person.provinceCode), \(identity.id), \(monitoring.recordedAt))
                    """)
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
            let items = try await environment.database.withConnection { connection in
                try await connection.query(
                    """
                    SELECT id, during, record_id, device, starts_on, ends_on, reason, decision_number, regime, recorded_at
                    FROM treatment.monitoring WHERE person_id = \(personID) ORDER BY starts_on DESC
                    """
                ).map { row in
                    let (id, during, record, device, starts, ends, reason, decision, regime, recorded) = try row.decode(
                        (UUID, String, UUID, String, CalendarDate, CalendarDate, String, String, String, Date).self)
                    return Monitoring(
                        id: id, personId: personID, during: during, recordId: record, device: device, startsOn: starts, endsOn: ends, reason: reason,
                        decisionNumber: decision, regime: regime, recordedAt: recorded)
                }
            }
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
                try await connection.query(
                    """
                    INSERT INTO treatment.substance_declarations
                        (id, person_id, declared_on, substances, note, regime, commune_code, province_code, recorded_by, recorded_at)
                    VALUES (\(declaration.id), \(personID), \(day), \(substances)::text[], \(declaration.note), \(regime.name), \(person.communeCode),
                            \(person.provinceCode), \(identity.id), \(declaration.recordedAt))
                    """)
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
            let items = try await environment.database.withConnection { connection in
                try await connection.query(
                    """
                    SELECT id, declared_on, substances, note, regime, recorded_at FROM treatment.substance_declarations
                    WHERE person_id = \(personID) ORDER BY declared_on DESC, recorded_at DESC
                    """
                ).map { row in
                    let (id, day, substances, note, regime, recorded) = try row.decode((UUID, CalendarDate, [String], String?, String, Date).self)
                    return SubstanceDeclaration(
                        id: id, personId: personID, declaredOn: day, substances: substances, note: note, regime: regime, recordedAt: recorded)
                }
            }
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

    /// What monitoring on `day` would accompany: an active episode at family or community or of
    /// substitution therapy, or active after-care.
    private func accompanied(_ person: UUID, on day: CalendarDate, _ connection: PostgresConnection) async throws -> (String, UUID)? {
        try await connection.query(
            """
            SELECT 'aftercare', a.id FROM treatment.aftercare a
            WHERE a.person_id = \(person) AND a.status = 'active' AND a.starts_on <= \(day) AND \(day) <= a.ends_on
            UNION ALL
            SELECT 'episode', e.id FROM treatment.episodes e
            WHERE e.person_id = \(person) AND e.status = 'active' AND e.form IN ('voluntary_community', 'methadone') AND e.started_on <= \(day)
            LIMIT 1
            """
        ).first.map { try $0.decode((String, UUID).self) }
    }
}
