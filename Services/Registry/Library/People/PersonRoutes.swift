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

/// Registering, reading and searching people: `POST /v1/people`, `GET /v1/people/{id}`,
/// `GET /v1/people`. Every read is audited per person; every write is audited and published
/// in its own transaction.
struct PersonRoutes: Sendable {
    let environment: ServiceEnvironment
    let publisher: EventPublisher

    static let rule = AccessRule(roles: PersonScope.roles)
    static let writers = AccessRule.staff(.admin, .provinceOfficer, .communeOfficer)

    /// The body of `POST /v1/people`: the person, where they live and, when a decision already
    /// placed them under management, that decision.
    static let registration = BodySchema(
        PersonInput.fields + [
            BodySchema.Field(
                "residence",
                .object(
                    BodySchema([
                        BodySchema.Field("communeCode", .formatted(.communeCode), required: true, "A commune of the list `generation` names"),
                        .oneOf(
                            "generation", AdminUnitGeneration.allCases.map(\.rawValue),
                            "2025 (default), or legacy for a commune of the list before 2025, only when `since` is before 2025-07-01: the person is placed in its 2025 commune by the official mapping (`whole`, or `divided-default` for a divided commune)"
                        ),
                        .text("address", maxLength: 300),
                        .date("since", "Since when they live there (default today)"),
                    ])), required: true),
            BodySchema.Field(
                "management",
                .object(
                    BodySchema([
                        .date("decisionDate", required: true, "The day the management decision was made"),
                        .text("decisionNumber", maxLength: 100),
                    ]))),
            .boolean("confirmPossibleDuplicate", "true: register although a likely duplicate was found"),
        ])

    func add(to routes: SecuredRoutes) {
        routes.on(
            .post, "/v1/people", Self.writers,
            responses: [
                409: "Registered already (same national id), a likely duplicate to confirm, or an Idempotency-Key still in use",
                201: "Registered: the person's record",
                200: "A replay of an earlier request with the same Idempotency-Key: its answer",
            ],
            body: .json(Self.registration), answers: [Person.self]
        ) { request, context, identity -> Response in
            try await register(request, context, identity)
        }
        routes.on(
            .post, "/v1/people/imports", Self.writers, summary: "Import people from CSV (text/csv)",
            responses: [
                200: "The import's report: rows read, created, already registered, rejected with reasons",
                411: "No Content-Length: an import states its size",
                413: "The file is larger than IMPORT_MAX_MB",
            ],
            body: .csv
        ) {
            request, context, identity -> PersonImporter.Report in
            try request.requireContentType("text/csv")
            let importer = PersonImporter(environment: environment, publisher: publisher)
            guard let length = request.headers[.contentLength].flatMap({ Int($0) }) else {
                throw ProblemDetails(
                    type: ProblemDetails.typeBase + "length-required", title: "Length required", status: .lengthRequired,
                    detail: "Send the file with a Content-Length header (at most \(importer.maxBytes >> 20) MiB).")
            }
            guard length <= importer.maxBytes else { throw importer.tooLarge }
            return try await importer.run(
                bytes: request.body, identity: identity, context: context)
        }
        routes.on(.get, "/v1/people/{id}", Self.rule, scope: .person(parameter: "id"), answers: [Person.self]) { _, context, identity -> Response in
            let id = try context.parameters.uuid("id")
            let person = try await environment.database.withConnection { connection in
                try await PersonStore(connection: connection).find(id, visible: PersonScope.condition(identity), today: .today())
            }
            guard let person else {
                // Recorded as a denied attempt (`SecuredRoutes`); the answer does not say whether the person exists.
                throw ProblemDetails.notFound("No person \(id) in your jurisdiction.")
            }
            try await environment.audit.record(
                AuditEntry(identity, context, action: "read", resource: "person", resourceID: id.uuidString.lowercased(), personID: id))
            return try Response.json(person, headers: [.eTag: person.etag])
        }
        routes.on(.get, "/v1/people", Self.rule, scope: .personList, query: PersonSearch.parameters) {
            request, context, identity -> PersonSearch.Page in
            let search = try PersonSearch(query: request.uri.queryParameters)
            // A search may lag the primary by the standby's replay (DATABASE_READ_URL); a person's page does not.
            let page = try await environment.reads.withConnection { connection, _ in
                try await search.run(on: connection, visible: PersonScope.condition(identity))
            }
            let entries = page.items.map {
                AuditEntry(identity, context, action: "list", resource: "person", resourceID: $0.id.uuidString.lowercased(), personID: $0.id)
            }
            try await environment.audit.record(entries)
            return page
        }
    }

    private func register(_ request: Request, _ context: AppRequestContext, _ identity: Identity) async throws -> Response {
        let body = try await request.collectJSONBody()
        var fields = try JSONFields.parse(body, context: context)
        let today = CalendarDate.today()
        let input = PersonInput.read(&fields, creating: true, today: today)
        let residence = fields.object("residence")
        let requestedCommune = residence?.string("communeCode").value
        let generation = ResidencePlace.generation(residence?.string("generation").value)
        let address = residence?.string("address").value
        let since = residence?.date("since").value ?? today
        let management = fields.object("management")
        let decided = management?.date("decisionDate").value
        let basis = management?.string("decisionNumber").value
        let confirm = fields.bool("confirmPossibleDuplicate").value ?? false
        try fields.finish()
        let idempotencyKey = try IdempotencyKeys.key(of: request)

        return try await environment.database.withTransaction { connection in
            let store = PersonStore(connection: connection)
            let keys = IdempotencyKeys(connection: connection)
            if let idempotencyKey, let replay = try await keys.claim(account: identity.id, key: idempotencyKey, body: body) {
                return IdempotencyKeys.response(replay)
            }
            var validator = FieldValidator()
            guard let code = requestedCommune, let generation,
                let place = try await AdminUnitStore(connection: connection).place(ofCommune: code, generation: generation)
            else {
                throw ProblemDetails.validation([.init(pointer: "/residence/communeCode", detail: ResidencePlace.unknown(generation ?? .current))])
            }
            let province = place.provinceCode
            let communeCode = place.communeCode
            if place.legacyCommuneCode != nil {
                validator.require(
                    since < ResidencePlace.firstDayOf2025List, "/residence/generation",
                    "legacy only for a residence since before 2025-07-01 (the list before 2025 ended then)")
            }
            guard PersonScope.mayPlace(identity, commune: communeCode, province: province) else {
                throw ProblemDetails.forbidden("You may register people only in your own jurisdiction.")
            }
            let nationalID = input.nationalID ?? nil
            if let birthProvince = nationalID?.birthProvinceCode {
                validator.require(
                    try await AdminUnitStore(connection: connection).legacyProvinceExists(birthProvince), "/nationalId",
                    "its first 3 digits are not a province code")
            }
            validator.require(since <= today, "/residence/since", "must not be in the future")
            if let decided { validator.require(decided <= today, "/management/decisionDate", "must not be in the future") }
            try validator.finish()
            let visible = PersonScope.condition(identity)
            if let nationalID, let holder = try await store.holder(ofNationalID: nationalID.value, visible: visible) {
                if !holder.visible { try await environment.audit.record(holder.auditEntry(identity, context, by: "nationalId")) }
                throw holder.nationalIDConflict()
            }
            let fullName = input.fullName!
            let searchName = SearchText.fold(fullName)
            let birthYear = input.birthYear!
            if !confirm {
                let candidates = try await store.likelyDuplicates(
                    searchName: searchName, birthYear: birthYear, birthDate: input.birthDate ?? nil, province: province, visible: visible)
                if !candidates.isEmpty {
                    let elsewhere = candidates.filter { !$0.visible }
                    try await environment.audit.record(elsewhere.map { $0.auditEntry(identity, context, by: "name-and-birth-year") })
                    var errors: [ProblemDetails.FieldError] = candidates.filter(\.visible).map {
                        .init(pointer: "/confirmPossibleDuplicate", detail: "possible duplicate of /v1/people/\($0.person.lowercasedString)")
                    }
                    if !elsewhere.isEmpty {
                        errors.append(
                            .init(
                                pointer: "/confirmPossibleDuplicate",
                                detail:
                                    "possible duplicate registered elsewhere in the province (\(elsewhere.count)); ask your province's office before registering again"
                            ))
                    }
                    throw ProblemDetails(
                        type: ProblemDetails.typeBase + "possible-duplicate", title: "Possible duplicate", status: .conflict,
                        detail:
                            "A person with the same name and birth date is registered in this province. Check, then send again with \"confirmPossibleDuplicate\": true if this is someone else.",
                        errors: errors)
                }
            }
            let id = UUID()
            let newPerson = NewPerson(
                id: id, fullName: fullName, birthDate: input.birthDate ?? nil, birthYear: birthYear, sex: input.sex!,
                ethnicity: input.ethnicity ?? nil, nationalID: nationalID, communeCode: communeCode, provinceCode: province, address: address,
                residenceSince: since, phone: input.phone ?? nil, occupation: input.occupation ?? nil, education: input.education ?? nil,
                substances: input.substances ?? [], notes: input.notes ?? nil, legacyCommuneCode: place.legacyCommuneCode)
            guard try await store.insert([newPerson], by: identity.id).contains(id) else {
                // Registered by someone else since the check above.
                throw ProblemDetails.conflict("A person with this national id is already registered.", type: "duplicate-national-id")
            }
            var statusEvent: PersonEvents.StatusChanged?
            if let decided {
                let until = ManagementPeriod.drugUser(decidedOn: decided).end(from: decided)
                try await store.insertStatuses(
                    [DatedStatus(personID: id, status: .drugUser, validFrom: decided, validTo: until, basis: basis)], by: identity.id)
                statusEvent = PersonEvents.StatusChanged(
                    personId: id, status: .drugUser, validFrom: decided, validTo: until, communeCode: communeCode)
            }
            let person = try await store.find(id, visible: "TRUE", today: today)!
            try await store.recordChanges([
                ChangeRecord(
                    person: id, version: 1, by: identity, communeCode: communeCode, action: "create",
                    changes: PersonHistory.snapshot(PersonHistory.values(person)))
            ])
            try await AuditLog.append(
                AuditEntry(
                    identity, context, action: "create", resource: "person", resourceID: id.uuidString.lowercased(), personID: id,
                    detail: nationalID?.kind == .cmnd ? ["nationalIdKind": "cmnd"] : [:]), on: connection)
            try await publisher.publish(
                PersonEvents.Registered(
                    personId: id, communeCode: communeCode, provinceCode: province, residenceSince: since, sex: try Sex.parse(person.sex),
                    birthYear: birthYear, ethnicity: person.ethnicity, substances: person.substances, registeredOn: today,
                    legacyCommuneCode: place.legacyCommuneCode), on: connection)
            if let statusEvent { try await publisher.publish(statusEvent, on: connection) }
            let location = "/v1/people/\(id.uuidString.lowercased())"
            let json = try APIResponseEncoder.text(person)
            if let idempotencyKey {
                try await keys.complete(account: identity.id, key: idempotencyKey, status: 201, location: location, body: json)
            }
            return Response(
                status: .created,
                headers: [.contentType: "application/json; charset=utf-8", .location: location, .eTag: person.etag],
                body: .init(byteBuffer: ByteBuffer(string: json)))
        }
    }
}
