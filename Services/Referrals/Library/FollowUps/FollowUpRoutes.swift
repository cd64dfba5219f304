import Access
import Audit
import EventBus
import Foundation
import Hummingbird
import Postgres
import ReferralsContracts
import ServiceKit

/// Follow-ups of placements and loans: the due list of a commune (officers, their area) or a
/// partner (its own referrals), overdue ones first; and recording one (still employed, wage,
/// repayment). Audited with the person's id; published as `referrals.follow_up.recorded`.
struct FollowUpRoutes: Sendable {
    let environment: ServiceEnvironment
    let publisher: EventPublisher

    struct Page: ResponseCodable {
        let items: [FollowUp]
    }

    static let readers = AccessRule(roles: ReferralScope.readers)

    func add(to routes: SecuredRoutes) {
        routes.on(
            .get, "/v1/follow-ups", Self.readers, summary: "Follow-ups due (overdue first) for the caller's area or organisation",
            query: [
                .date("on", "The day (default today)"), QueryParameter("within", .integer(0...365), "Days ahead (default 30)"),
                QueryParameter("communeCode", .formatted(.communeCode), "One commune of the caller's area"),
                QueryParameter("partnerId", .uuid, "One partner organisation's (officers; a partner sees only its own)"), .limit(maximum: 1000),
            ]
        ) { request, context, identity -> Page in
            let query = request.uri.queryParameters
            let partner = ReferralScope.isPartner(identity)
            if partner, query["communeCode"] != nil {
                throw ProblemDetails.validation([.init(pointer: "?communeCode", detail: "is for officers; a partner lists its own follow-ups")])
            }
            let on = query["on"].flatMap(CalendarDate.init) ?? .today()
            let until = on.adding(days: query["within"].flatMap { Int($0) } ?? 30)
            let items = try await environment.database.withConnection {
                try await FollowUpStore(connection: $0).due(
                    visibleTo: identity, commune: query["communeCode"].map(String.init),
                    partner: query["partnerId"].flatMap { UUID(uuidString: String($0)) }, on: on, until: until, limit: query.limit(default: 200))
            }
            try await environment.audit.record(
                items.map {
                    AuditEntry(identity, context, action: "list", resource: "follow_up", resourceID: $0.id.lowercasedString, personID: $0.personId)
                })
            return Page(items: partner ? items.map(\.partnerView) : items)
        }

        routes.on(
            .post, "/v1/follow-ups/{followUpId}", AccessRule(roles: ReferralScope.readers.subtracting([.provinceOfficer])),
            scope: .record(resource: "follow_up", parameter: "followUpId"), summary: "Record a follow-up",
            responses: [200: "The follow-up, done", 409: "It was recorded already"],
            body: .json(
                .date("on", required: true, "The day of the follow-up (not before it falls due less a month, not in the future)"),
                .boolean("stillEmployed", "A job: still employed"),
                .integer("wageVnd", 1...1_000_000_000, "A job: the monthly wage now, in đồng"),
                .oneOf("repayment", FollowUp.Repayment.allCases.map(\.rawValue), "A loan: how its repayment stands"),
                .text("note", maxLength: 2000, multiline: true)),
            answers: [FollowUp.self]
        ) { request, context, identity -> FollowUp in
            let id = try context.parameters.uuid("followUpId")
            let today = CalendarDate.today()
            guard
                try await environment.database.withConnection({ try await FollowUpStore(connection: $0).followUp(id, visibleTo: identity, on: today) }
                )
                    != nil
            else { throw ProblemDetails.notFound("No follow-up \(id) for you.") }
            let fields = try await JSONFields.body(of: request, context: context)
            var validator = fields.validator
            let day = fields.date("on").value
            if let day { validator.require(day <= today, "/on", "must not be in the future") }
            let employed = fields.bool("stillEmployed").value
            let wage = fields.integer("wageVnd").value
            let repayment = fields.string("repayment").value.flatMap(FollowUp.Repayment.init(rawValue:))
            let note = fields.string("note").value
            try validator.finish()
            guard let day else { throw ProblemDetails.badRequest("invalid follow-up") }
            return try await environment.database.withTransaction { connection in
                let store = FollowUpStore(connection: connection)
                guard let current = try await store.followUp(id, visibleTo: identity, on: today, lock: true) else {
                    throw ProblemDetails.notFound("No follow-up \(id) for you.")
                }
                if let done = current.doneOn {
                    throw ProblemDetails.conflict("The follow-up was recorded on \(done).", type: "follow-up-done")
                }
                var problems = FieldValidator()
                problems.require(
                    day >= current.dueOn.adding(months: -1), "/on", "must not be more than a month before it falls due (\(current.dueOn))")
                if current.kind == "loan" {
                    problems.require(repayment != nil, "/repayment", "is required for a loan")
                    problems.require(employed == nil && wage == nil, "/stillEmployed", "applies only to a job")
                } else {
                    problems.require(repayment == nil, "/repayment", "applies only to a loan")
                    if current.kind == "job" { problems.require(employed != nil, "/stillEmployed", "is required for a job") }
                }
                try problems.finish()
                try await store.record(id, on: day, stillEmployed: employed, wageVnd: wage, repayment: repayment, note: note, by: identity.id)
                // A loan's repayment is the referral's too: audited and published as its change.
                if let repayment, let referral = try await ReferralStore(connection: connection).referral(current.referralId, visibleTo: identity) {
                    try await AuditLog.append(
                        AuditEntry(
                            identity, context, action: "repayment", resource: "referral", resourceID: current.referralId.lowercasedString,
                            personID: current.personId, detail: ["repayment": repayment.rawValue]), on: connection)
                    try await publisher.publish(try ReferralStore.event(referral), on: connection)
                }
                try await AuditLog.append(
                    AuditEntry(
                        identity, context, action: "follow_up", resource: "follow_up", resourceID: id.lowercasedString, personID: current.personId),
                    on: connection)
                // The store reads every column; only the partner's view leaves some out.
                guard let person = current.personId, let commune = current.communeCode, let province = current.provinceCode else {
                    throw ProblemDetails.notFound("No follow-up \(id).")
                }
                try await publisher.publish(
                    ReferralEvents.FollowUpRecorded(
                        followUpId: id, referralId: current.referralId, personId: person, months: current.months, on: day,
                        stillEmployed: employed, wageVnd: wage, repayment: repayment?.rawValue, communeCode: commune, provinceCode: province),
                    on: connection)
                guard let done = try await store.followUp(id, visibleTo: identity, on: today) else {
                    throw ProblemDetails.notFound("No follow-up \(id).")
                }
                return ReferralScope.isPartner(identity) ? done.partnerView : done
            }
        }
    }
}
