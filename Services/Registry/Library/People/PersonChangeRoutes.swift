import Access
import Audit
import ContractValues
import EventBus
import Foundation
import HTTPTypes
import Hummingbird
import Postgres
import RegistryContracts
import Rules
import ServiceKit

/// Changing a person's record: `PATCH /v1/people/{id}` (with `If-Match`), moving residence
/// (`POST /v1/people/{id}/moves`), recording a management status (`POST /v1/people/{id}/statuses`),
/// and reading the status on any date (`GET /v1/people/{id}/status?on=`) and the change history
/// (`GET /v1/people/{id}/history`).
struct PersonChangeRoutes: Sendable {
    let environment: ServiceEnvironment
    let publisher: EventPublisher

    struct StatusOnDate: ResponseCodable {
        let personId: UUID
        let on: String
        /// nil when the person was not under management that day.
        let status: String?
        let validFrom: String?
        let validTo: String?
    }

    struct History: ResponseCodable {
        let items: [PersonHistory.Entry]
    }

    func add(to routes: SecuredRoutes) {
        let scope = SecuredRoutes.Scope.person(parameter: "id")
        routes.on(
            .patch, "/v1/people/{id}", PersonRoutes.writers, scope: scope, responses: [409: "Another person has this national id"],
            body: .json(PersonInput.change), answers: [Person.self]
        ) { request, context, identity -> Response in
            try await update(request, context, identity)
        }
        routes.on(
            .post, "/v1/people/{id}/moves", PersonRoutes.writers, scope: scope,
            responses: [200: "Moved: the record as it is now", 204: "Moved out of the caller's jurisdiction: no longer visible to them"],
            body: .json(
                BodySchema.Field("communeCode", .formatted(.communeCode), required: true, "The commune they move to, of the list `generation` names"),
                .oneOf(
                    "generation", AdminUnitGeneration.allCases.map(\.rawValue),
                    "2025 (default), or legacy for a commune of the list before 2025, only for a move before 2025-07-01: placed in its 2025 commune by the official mapping (`whole`, or `divided-default` for a divided commune)"
                ),
                .text("address", maxLength: 300),
                .date("date", "The day they moved (default today)")),
            answers: [Person.self]
        ) { request, context, identity -> Response in
            try await move(request, context, identity)
        }
        routes.on(
            .post, "/v1/people/{id}/statuses", PersonRoutes.writers, scope: scope,
            body: .json(
                .oneOf(
                    "status", [ManagementStatus.drugUser.rawValue, ManagementStatus.managementEnded.rawValue], required: true,
                    "drug_user (a management decision or its renewal) or management_ended; the others follow from treatment"),
                .date("validFrom", required: true, "The day the decision takes effect"),
                .text("decisionNumber", maxLength: 100)),
            answers: [StatusOnDate.self]
        ) { request, context, identity -> Response in
            try await recordStatus(request, context, identity)
        }
        routes.on(
            .get, "/v1/people/{id}/status", PersonRoutes.rule, scope: scope, query: [.date("on", "The day (default today)")]
        ) { request, context, identity -> StatusOnDate in
            let id = try context.parameters.uuid("id")
            let day = request.uri.queryParameters["on"].flatMap { CalendarDate(String($0)) } ?? .today()
            typealias Found = (status: String, validFrom: CalendarDate, validTo: CalendarDate?)
            let found = try await environment.database.withConnection { connection -> Found?? in
                let store = PersonStore(connection: connection)
                guard try await store.find(id, visible: PersonScope.condition(identity), today: day) != nil else { return nil }
                return .some(try await store.status(of: id, on: day))
            }
            guard let found else { throw ProblemDetails.notFound("No person \(id) in your jurisdiction.") }
            try await environment.audit.record(
                AuditEntry(identity, context, action: "read-status", resource: "person", resourceID: id.uuidString.lowercased(), personID: id))
            guard let found else { return StatusOnDate(personId: id, on: day.description, status: nil, validFrom: nil, validTo: nil) }
            return StatusOnDate(
                personId: id, on: day.description, status: found.status, validFrom: found.validFrom.description,
                validTo: found.validTo?.description)
        }
        routes.on(.get, "/v1/people/{id}/history", PersonRoutes.rule, scope: scope) { _, context, identity -> History in
            let id = try context.parameters.uuid("id")
            let entries = try await environment.database.withConnection { connection -> [PersonHistory.Entry]? in
                let store = PersonStore(connection: connection)
                if try await store.find(id, visible: PersonScope.condition(identity), today: .today()) != nil {
                    return try await store.history(of: id)
                }
                // Someone who moved away: their former commune (and province) keeps what was
                // written while the person lived there, and nothing after.
                let written = try await store.history(of: id, writtenWhere: PersonScope.pastResidence(identity))
                return written.isEmpty ? nil : written
            }
            guard let entries else { throw ProblemDetails.notFound("No person \(id) in your jurisdiction.") }
            try await environment.audit.record(
                AuditEntry(identity, context, action: "read-history", resource: "person", resourceID: id.uuidString.lowercased(), personID: id))
            return History(items: entries)
        }
    }

    /// 404 unless `identity` may see person `id`: checked before anything else, so that a caller
    /// outside the jurisdiction learns nothing, not even what the request lacks.
    private func requireVisible(_ id: UUID, _ identity: Identity) async throws {
        let visible = try await environment.database.withConnection { connection in
            try await PersonStore(connection: connection).find(id, visible: PersonScope.condition(identity), today: .today()) != nil
        }
        guard visible else { throw ProblemDetails.notFound("No person \(id) in your jurisdiction.") }
    }

    /// Loads the visible person for change, locked; 404 outside the caller's jurisdiction, 412
    /// when `version` is stale.
    private func lockedPerson(_ id: UUID, _ identity: Identity, version: Int?, _ connection: PostgresConnection) async throws -> Person {
        guard
            let person = try await PersonStore(connection: connection).find(id, visible: PersonScope.condition(identity), today: .today(), lock: true)
        else {
            throw ProblemDetails.notFound("No person \(id) in your jurisdiction.")
        }
        if let version, person.version != version {
            throw ProblemDetails.preconditionFailed("The record changed since version \(version); it is at version \(person.version). Read it again.")
        }
        return person
    }

    private func update(_ request: Request, _ context: AppRequestContext, _ identity: Identity) async throws -> Response {
        let id = try context.parameters.uuid("id")
        try await requireVisible(id, identity)
        let version = try request.requiredVersion()
        let fields = try await JSONFields.body(of: request, context: context)
        let today = CalendarDate.today()
        return try await environment.database.withTransaction { connection in
            let current = try await lockedPerson(id, identity, version: version, connection)
            var reader = fields
            let input = PersonInput.read(&reader, creating: false, current: current, today: today)
            try reader.finish()
            let store = PersonStore(connection: connection)
            let birthDate = input.birthDate ?? current.birthDate.flatMap { CalendarDate($0) }
            let birthYear = input.birthYear ?? birthDate?.year ?? current.birthYear
            let sex = input.sex ?? current.sex
            // A CCCD kept as it is must still agree with a changed sex or birth year.
            if input.nationalID == nil, let kept = current.nationalId, current.nationalIdKind == "cccd",
                !NationalID.parse(kept, sex: sex, birthYear: birthYear).1.isEmpty
            {
                throw ProblemDetails.validation([.init(pointer: "/nationalId", detail: "no longer agrees with sex and birth year; correct it too")])
            }
            let nationalID: NationalID? =
                input.nationalID ?? current.nationalId.map { NationalID(value: $0, kind: current.nationalIdKind == "cmnd" ? .cmnd : .cccd) }
            if let nationalID, nationalID.value != current.nationalId {
                if let province = nationalID.birthProvinceCode, !(try await AdminUnitStore(connection: connection).legacyProvinceExists(province)) {
                    throw ProblemDetails.validation([.init(pointer: "/nationalId", detail: "its first 3 digits are not a province code")])
                }
                if let holder = try await store.holder(ofNationalID: nationalID.value, visible: PersonScope.condition(identity)),
                    holder.person != id
                {
                    if !holder.visible { try await environment.audit.record(holder.auditEntry(identity, context, by: "nationalId")) }
                    throw holder.nationalIDConflict()
                }
            }
            try await store.update(
                id,
                with: NewPerson(
                    id: id, fullName: input.fullName ?? current.fullName, birthDate: birthDate, birthYear: birthYear, sex: sex,
                    ethnicity: input.ethnicity ?? current.ethnicity, nationalID: nationalID, communeCode: current.residence.communeCode,
                    provinceCode: current.residence.provinceCode, address: current.residence.address,
                    residenceSince: CalendarDate(current.residence.since)!, phone: input.phone ?? current.phone,
                    occupation: input.occupation ?? current.occupation, education: input.education ?? current.education,
                    substances: input.substances ?? current.substances, notes: input.notes ?? current.notes))
            let updated = try await store.find(id, visible: "TRUE", today: today)!
            let changes = PersonHistory.diff(current, updated)
            try await store.recordChanges([
                ChangeRecord(
                    person: id, version: updated.version, by: identity, communeCode: current.residence.communeCode, action: "update",
                    changes: changes)
            ])
            try await AuditLog.append(
                AuditEntry(
                    identity, context, action: "update", resource: "person", resourceID: id.uuidString.lowercased(), personID: id,
                    detail: ["fields": changes.keys.sorted().joined(separator: ",")]), on: connection)
            try await publisher.publish(
                PersonEvents.Changed(
                    personId: id, fields: changes.keys.sorted(), sex: try Sex.parse(updated.sex), birthYear: updated.birthYear,
                    ethnicity: updated.ethnicity, substances: updated.substances), on: connection)
            return try Response.json(updated, headers: [.eTag: updated.etag])
        }
    }

    private func move(_ request: Request, _ context: AppRequestContext, _ identity: Identity) async throws -> Response {
        let id = try context.parameters.uuid("id")
        try await requireVisible(id, identity)
        var fields = try await JSONFields.body(of: request, context: context)
        let commune = fields.string("communeCode").value
        let generation = ResidencePlace.generation(fields.string("generation").value)
        let address = fields.string("address").value
        let today = CalendarDate.today()
        let date = fields.date("date").value ?? today
        fields.validator.require(date <= today, "/date", "must not be in the future")
        try fields.finish()
        return try await environment.database.withTransaction { connection in
            let current = try await lockedPerson(id, identity, version: nil, connection)
            let store = PersonStore(connection: connection)
            guard let commune, let generation,
                let place = try await AdminUnitStore(connection: connection).place(ofCommune: commune, generation: generation)
            else {
                throw ProblemDetails.validation([.init(pointer: "/communeCode", detail: ResidencePlace.unknown(generation ?? .current))])
            }
            var validator = FieldValidator()
            // Between two communes of the list before 2025 that became one is a move too.
            validator.require(
                place.communeCode != current.residence.communeCode || place.legacyCommuneCode != current.residence.legacyCommuneCode,
                "/communeCode", "is the commune the person already lives in")
            if place.legacyCommuneCode != nil {
                validator.require(
                    date < ResidencePlace.firstDayOf2025List, "/generation",
                    "legacy only for a move before 2025-07-01 (the list before 2025 ended then)")
            }
            validator.require(
                date > CalendarDate(current.residence.since)!, "/date", "must be after the current residence began (\(current.residence.since))")
            try validator.finish()
            try await store.move(id, to: place, address: address, on: date, by: identity.id)
            let moved = try await store.find(id, visible: "TRUE", today: today)!
            try await store.recordChanges([
                ChangeRecord(
                    person: id, version: moved.version, by: identity, communeCode: current.residence.communeCode, action: "move",
                    changes: PersonHistory.diff(current, moved))
            ])
            try await AuditLog.append(
                AuditEntry(
                    identity, context, action: "move", resource: "person", resourceID: id.uuidString.lowercased(), personID: id,
                    detail: ["from": current.residence.communeCode, "to": place.communeCode]), on: connection)
            try await publisher.publish(
                PersonEvents.Moved(
                    personId: id, fromCommuneCode: current.residence.communeCode, toCommuneCode: place.communeCode,
                    toProvinceCode: place.provinceCode, movedOn: date, toLegacyCommuneCode: place.legacyCommuneCode), on: connection)
            // The answer shows the person only if the mover still sees them; a commune officer who
            // hands someone over to another commune gets 204 and no longer sees them.
            guard try await store.find(id, visible: PersonScope.condition(identity), today: today) != nil else {
                return Response(status: .noContent)
            }
            return try Response.json(moved, headers: [.eTag: moved.etag])
        }
    }

    private func recordStatus(_ request: Request, _ context: AppRequestContext, _ identity: Identity) async throws -> Response {
        let id = try context.parameters.uuid("id")
        try await requireVisible(id, identity)
        var fields = try await JSONFields.body(of: request, context: context)
        let status = fields.string("status").value
        let today = CalendarDate.today()
        let from = fields.date("validFrom").value
        if let from { fields.validator.require(from <= today, "/validFrom", "must not be in the future") }
        let basis = fields.string("decisionNumber").value
        try fields.finish()
        guard let from, let status = status.flatMap(ManagementStatus.init(rawValue:)) else {
            throw ProblemDetails.badRequest("status and validFrom are required")
        }
        return try await environment.database.withTransaction { connection in
            let person = try await lockedPerson(id, identity, version: nil, connection)
            let store = PersonStore(connection: connection)
            guard try await !store.hasStatus(id, onOrAfter: from) else {
                throw ProblemDetails.validation([.init(pointer: "/validFrom", detail: "must be after the latest recorded status")])
            }
            let until: CalendarDate? = status == .drugUser ? ManagementPeriod.drugUser(decidedOn: from).end(from: from) : nil
            try await store.applyStatus(
                DatedStatus(personID: id, status: status, validFrom: from, validTo: until, basis: basis), replacingLater: false, by: identity.id)
            try await store.touch(id)
            try await store.recordChanges([
                ChangeRecord(
                    person: id, version: person.version + 1, by: identity, communeCode: person.residence.communeCode, action: "status",
                    changes: [
                        "status": .object(["old": person.status.map(JSONValue.string) ?? .null, "new": .string(status.rawValue)]),
                        "validFrom": .string(from.description),
                    ])
            ])
            try await AuditLog.append(
                AuditEntry(
                    identity, context, action: "status", resource: "person", resourceID: id.uuidString.lowercased(), personID: id,
                    detail: ["status": status.rawValue]), on: connection)
            try await publisher.publish(
                PersonEvents.StatusChanged(
                    personId: id, status: status, validFrom: from, validTo: until,
                    communeCode: person.residence.communeCode), on: connection)
            return try Response.json(
                StatusOnDate(
                    personId: id, on: from.description, status: status.rawValue, validFrom: from.description, validTo: until?.description),
                status: .created)
        }
    }
}
