import Access
import Audit
import Foundation
import Hummingbird
import Postgres
import ServiceKit

/// Partners' offers (courses, job openings, loan programmes) and the areas partners serve. A
/// partner's own accounts and admins keep its offers current; officers read them (and match them
/// to cases); a partner account sees only its own. No personal data.
struct OfferRoutes: Sendable {
    let environment: ServiceEnvironment

    struct Page: ResponseCodable {
        let items: [Offer]
    }

    struct Areas: ResponseCodable {
        let items: [OfferStore.Area]
    }

    static let keepers = AccessRule.staff(.admin, .referralPartner)
    static let readers = AccessRule.staff(.admin, .provinceOfficer, .communeOfficer, .referralPartner)

    static let body = DeclaredBody.json(
        .oneOf("kind", Offer.Kind.allCases.map(\.rawValue), required: true, "course, job or loan_programme (with the object of that name)"),
        .text("title", maxLength: 300, required: true),
        BodySchema.Field("provinceCode", .formatted(.provinceCode), "Where it takes place (none: wherever the partner serves)"),
        BodySchema.Field("communeCode", .formatted(.communeCode), "The commune, when it is one commune's"),
        .text("place", maxLength: 300, "The address"), .boolean("active", "false: closed (default true)"),
        BodySchema.Field(
            "course",
            .object(
                BodySchema([
                    .text("trade", maxLength: 200, required: true), .date("startsOn", required: true), .date("endsOn", required: true),
                    .integer("seats", 1...10_000, required: true), .boolean("costCovered", "Whether the cost is covered"),
                ])), "For a course"),
        BodySchema.Field(
            "job",
            .object(
                BodySchema([
                    .text("position", maxLength: 200, required: true), .text("employer", maxLength: 200),
                    .integer("wageMinVnd", 1...1_000_000_000, required: true, "Monthly, in đồng"),
                    .integer("wageMaxVnd", 1...1_000_000_000, required: true, "Monthly, in đồng"), .integer("openings", 1...10_000, required: true),
                ])), "For a job opening"),
        BodySchema.Field(
            "loanProgramme",
            .object(
                BodySchema([
                    .text("lender", maxLength: 200), .text("purpose", maxLength: 500, required: true),
                    .integer("limitVnd", 1...100_000_000_000, required: true, "The most one loan may be, in đồng"),
                    .integer("termMonths", 1...240, required: true),
                    .text("interestRate", maxLength: 8, required: true, "A year's rate as a decimal string: 0.0660 is 6.6%"),
                    .text("eligibility", maxLength: 1000, multiline: true),
                ])), "For a loan programme"))

    func add(to routes: SecuredRoutes) {
        routes.on(
            .put, "/v1/partners/{partnerId}/areas", .staff(.admin), summary: "Set the communes or provinces a partner serves",
            responses: [200: "The areas the partner serves now"],
            body: .json(
                BodySchema.Field(
                    "areas",
                    .array(
                        .object(
                            BodySchema([
                                BodySchema.Field("provinceCode", .formatted(.provinceCode), required: true),
                                BodySchema.Field("communeCode", .formatted(.communeCode), "None: the whole province"),
                            ])), maxCount: 5000), required: true, "Empty: its province, or the whole country for a national partner")),
            answers: [Areas.self]
        ) { request, context, identity -> Areas in
            let partner = try await partnerOrNotFound(context, identity)
            let fields = try await JSONFields.body(of: request, context: context)
            let areas = fields.objects("areas").map { ($0.string("provinceCode").value ?? "", $0.string("communeCode").value) }
            try fields.finish()
            return try await environment.database.withTransaction { connection in
                let store = OfferStore(connection: connection)
                var validator = FieldValidator()
                for (index, area) in areas.enumerated() {
                    if let commune = area.1 {
                        let province = try await store.commune(commune)
                        validator.require(province == area.0, "/areas/\(index)/communeCode", "is not a 2025 commune of province \(area.0)")
                    } else {
                        validator.require(
                            try await PartnerStore(connection: connection).provinceExists(area.0), "/areas/\(index)/provinceCode",
                            "is not a province code of the 2025 list")
                    }
                }
                try validator.finish()
                try await store.setAreas(partner, areas.map { ($0.0, $0.1) })
                try await AuditLog.append(
                    AuditEntry(identity, context, action: "areas", resource: "partner", resourceID: partner.lowercasedString), on: connection)
                return Areas(items: try await store.areas(of: partner))
            }
        }

        routes.on(.get, "/v1/partners/{partnerId}/areas", Self.readers, summary: "The areas a partner serves") {
            _, context, identity -> Areas in
            let partner = try await partnerOrNotFound(context, identity)
            return Areas(items: try await environment.database.withConnection { try await OfferStore(connection: $0).areas(of: partner) })
        }

        routes.on(
            .post, "/v1/partners/{partnerId}/offers", Self.keepers, summary: "Add an offer (the partner's own accounts, admins)",
            body: Self.body, answers: [Offer.self]
        ) { request, context, identity -> Response in
            let partner = try await partnerOrNotFound(context, identity)
            let offer = try await save(request, context, identity, id: UUID(), partner: partner, action: "create")
            return try Response.json(offer, status: .created, headers: [.location: "/v1/offers/\(offer.id.lowercasedString)"])
        }

        routes.on(.get, "/v1/partners/{partnerId}/offers", Self.readers, summary: "A partner's offers, open ones first") {
            _, context, identity -> Page in
            let partner = try await partnerOrNotFound(context, identity)
            return Page(items: try await environment.database.withConnection { try await OfferStore(connection: $0).offers(ofPartner: partner) })
        }

        routes.on(
            .get, "/v1/offers/{offerId}", Self.readers, scope: .record(resource: "offer", parameter: "offerId"), summary: "One offer"
        ) { _, context, identity -> Offer in
            try await offerOrNotFound(context, identity)
        }

        routes.on(
            .put, "/v1/offers/{offerId}", Self.keepers, scope: .record(resource: "offer", parameter: "offerId"),
            summary: "Replace an offer (its kind stays; seats or openings taken are kept)", responses: [200: "The offer as it is now"],
            body: Self.body, answers: [Offer.self]
        ) { request, context, identity -> Offer in
            let current = try await offerOrNotFound(context, identity)
            return try await save(request, context, identity, id: current.id, partner: current.partnerId, action: "update", kind: current.kind)
        }
    }

    /// The partner of the path, or 404: a partner account reaches only its own organisation.
    private func partnerOrNotFound(_ context: AppRequestContext, _ identity: Identity) async throws -> UUID {
        let id = try context.parameters.uuid("partnerId")
        if case .staff(let staff) = identity, staff.role == .referralPartner, staff.jurisdiction != .partner(id: id) {
            throw ProblemDetails.notFound("No partner organisation \(id) for you.")
        }
        guard try await environment.database.withConnection({ try await PartnerStore(connection: $0).find(id) }) != nil else {
            throw ProblemDetails.notFound("No partner organisation \(id).")
        }
        return id
    }

    private func offerOrNotFound(_ context: AppRequestContext, _ identity: Identity) async throws -> Offer {
        let id = try context.parameters.uuid("offerId")
        let offer = try await environment.database.withConnection { try await OfferStore(connection: $0).offer(id) }
        guard let offer else { throw ProblemDetails.notFound("No offer \(id).") }
        if case .staff(let staff) = identity, staff.role == .referralPartner, staff.jurisdiction != .partner(id: offer.partnerId) {
            throw ProblemDetails.notFound("No offer \(id) for you.")
        }
        return offer
    }

    /// Reads and checks an offer's body (its kind's object, and only it; dates, ranges, the
    /// rate), and saves it.
    private func save(
        _ request: Request, _ context: AppRequestContext, _ identity: Identity, id: UUID, partner: UUID, action: String, kind fixed: Offer.Kind? = nil
    ) async throws -> Offer {
        let fields = try await JSONFields.body(of: request, context: context)
        var validator = fields.validator
        let kind = fields.string("kind").value.flatMap(Offer.Kind.init(rawValue:))
        if let fixed, let kind, kind != fixed { validator.add("/kind", "must stay \(fixed.rawValue)") }
        for other in Offer.Kind.allCases where other != kind {
            let name = other == .loanProgramme ? "loanProgramme" : other.rawValue
            if fields.object(name) != nil { validator.add("/\(name)", "applies only to a \(other.rawValue)") }
        }
        var course: Offer.Course?
        var job: Offer.Job?
        var loan: Offer.LoanProgramme?
        switch kind {
        case .course?:
            if let c = fields.object("course"), let trade = c.string("trade").value, let starts = c.date("startsOn").value,
                let ends = c.date("endsOn").value, let seats = c.integer("seats").value
            {
                validator.require(starts <= ends, "/course/endsOn", "must not be before startsOn")
                course = .init(trade: trade, startsOn: starts, endsOn: ends, seats: seats, costCovered: c.bool("costCovered").value ?? false)
            } else if !validator.errors.contains(where: { $0.pointer.hasPrefix("/course") }) {
                validator.add("/course", "is required for a course")
            }
        case .job?:
            if let j = fields.object("job"), let position = j.string("position").value, let low = j.integer("wageMinVnd").value,
                let high = j.integer("wageMaxVnd").value, let openings = j.integer("openings").value
            {
                validator.require(low <= high, "/job/wageMaxVnd", "must not be below wageMinVnd")
                job = .init(position: position, employer: j.string("employer").value, wageMinVnd: low, wageMaxVnd: high, openings: openings)
            } else if !validator.errors.contains(where: { $0.pointer.hasPrefix("/job") }) {
                validator.add("/job", "is required for a job opening")
            }
        case .loanProgramme?:
            if let l = fields.object("loanProgramme"), let purpose = l.string("purpose").value, let limit = l.integer("limitVnd").value,
                let term = l.integer("termMonths").value, let rate = l.string("interestRate").value
            {
                let normal = Self.rate(rate)
                if normal == nil {
                    validator.add("/loanProgramme/interestRate", "must be a decimal from 0 to below 1 with at most 4 places (0.0660)")
                }
                loan = .init(
                    lender: l.string("lender").value, purpose: purpose, limitVnd: limit, termMonths: term, interestRate: normal ?? rate,
                    eligibility: l.string("eligibility").value)
            } else if !validator.errors.contains(where: { $0.pointer.hasPrefix("/loanProgramme") }) {
                validator.add("/loanProgramme", "is required for a loan programme")
            }
        case nil: break
        }
        let province = fields.string("provinceCode").value
        let commune = fields.string("communeCode").value
        if commune != nil, province == nil { validator.add("/provinceCode", "is required with communeCode") }
        try validator.finish()
        guard let kind, let title = fields.string("title").value else { throw ProblemDetails.badRequest("invalid offer") }
        return try await environment.database.withTransaction { connection in
            let store = OfferStore(connection: connection)
            if let commune, let province, try await store.commune(commune) != province {
                throw ProblemDetails.validation([.init(pointer: "/communeCode", detail: "is not a 2025 commune of province \(province)")])
            }
            if commune == nil, let province, !(try await PartnerStore(connection: connection).provinceExists(province)) {
                throw ProblemDetails.validation([.init(pointer: "/provinceCode", detail: "is not a province code of the 2025 list")])
            }
            let taken = try await store.offer(id, lock: true)?.taken ?? 0
            try await store.save(
                Offer(
                    id: id, partnerId: partner, kind: kind, title: title, provinceCode: province, communeCode: commune,
                    place: fields.string("place").value, course: course, job: job, loanProgramme: loan, taken: taken,
                    active: fields.bool("active").value ?? true, version: 1))
            try await AuditLog.append(
                AuditEntry(identity, context, action: action, resource: "offer", resourceID: id.lowercasedString, detail: ["kind": kind.rawValue]),
                on: connection)
            guard let saved = try await store.offer(id) else { throw ProblemDetails.notFound("No offer \(id).") }
            return saved
        }
    }

    /// `text` as a rate in normal form (four places), or nil unless it is a decimal from 0 to
    /// below 1 with at most four places. Never through floating point.
    static func rate(_ text: String) -> String? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0] == "0", (1...4).contains(parts[1].count), parts[1].allSatisfy({ $0.isASCII && $0.isNumber }) else {
            return nil
        }
        return "0." + parts[1] + String(repeating: "0", count: 4 - parts[1].count)
    }
}
