import Access
import Audit
import ContractValues
import EventBus
import Foundation
import Hummingbird
import Postgres
import ServiceKit
import TreatmentContracts

/// Drug tests (`POST /v1/people/{personId}/tests`), by the commune (for people in community
/// treatment or after-care) or the facility treating the person. A positive test during active
/// after-care records a relapse (`RelapseRecorder`).
struct DrugTestRoutes: Sendable {
    let environment: ServiceEnvironment
    let publisher: EventPublisher

    struct Page: ResponseCodable {
        let items: [DrugTest]
    }

    static let writers = AccessRule.staff(.admin, .communeOfficer, .facilityStaff)
    static let readers = AccessRule.staff(.admin, .provinceOfficer, .communeOfficer, .facilityStaff)

    func add(to routes: SecuredRoutes) {
        routes.on(
            .post, "/v1/people/{personId}/tests", Self.writers, scope: .person(parameter: "personId"),
            summary: "Record a drug test; a positive one during after-care records a relapse",
            body: .json(
                .date("testedOn", required: true, "The day of the test (not in the future)"),
                .oneOf("method", DrugTest.Method.allCases.map(\.rawValue), required: true, "urine, saliva, blood or hair"),
                BodySchema.Field(
                    "substances", .array(.oneOf(Substance.rawValues), maxCount: Substance.allCases.count), required: true, "What it tested for"),
                BodySchema.Field("positive", .boolean, required: true, "The result")),
            answers: [DrugTest.self]
        ) { request, context, identity -> Response in
            let person = try context.parameters.uuid("personId")
            guard
                let found = try await environment.database.withConnection({
                    try await PersonDirectory(connection: $0).person(person, visibleTo: identity)
                })
            else { throw ProblemDetails.notFound("No person \(person) in your jurisdiction.") }
            let fields = try await JSONFields.body(of: request, context: context)
            var validator = fields.validator
            let day = fields.date("testedOn").value
            if let day { validator.require(day <= .today(), "/testedOn", "must not be in the future") }
            let method = fields.string("method").value.flatMap(DrugTest.Method.init(rawValue:))
            let substances = Set((fields.stringArray("substances").value ?? []).compactMap(Substance.init(rawValue:)))
            if fields.stringArray("substances").value?.isEmpty == true { validator.add("/substances", "must name at least one substance") }
            let positive = fields.bool("positive").value
            try validator.finish()
            guard let day, let method, let positive else { throw ProblemDetails.badRequest("invalid test") }
            let test = try await environment.database.withTransaction { connection -> DrugTest in
                let store = DrugTestStore(connection: connection)
                let during = try await store.during(person, on: day)
                let id = UUID()
                let ordered = Substance.allCases.filter(substances.contains)
                try await store.insert(
                    DrugTest(
                        id: id, personId: person, testedOn: day, method: method, substances: ordered, positive: positive, during: during,
                        relapseId: nil,
                        recordedAt: Date()), commune: found.communeCode, province: found.provinceCode, by: identity.id)
                try await publisher.publish(
                    TreatmentEvents.TestRecorded(
                        testId: id, personId: person, testedOn: day, method: method.rawValue, substances: ordered.map(\.rawValue), positive: positive,
                        during: during, communeCode: found.communeCode, provinceCode: found.provinceCode), on: connection)
                let relapse =
                    positive
                    ? try await RelapseRecorder(connection: connection, publisher: publisher).record(
                        person: person, on: day, source: "test", sourceID: id) : nil
                try await AuditLog.append(
                    AuditEntry(
                        identity, context, action: "create", resource: "drug_test", resourceID: id.lowercasedString, personID: person,
                        detail: ["positive": String(positive), "relapse": relapse.map { $0.lowercasedString } ?? "none"]), on: connection)
                return DrugTest(
                    id: id, personId: person, testedOn: day, method: method, substances: ordered, positive: positive, during: during,
                    relapseId: relapse, recordedAt: Date())
            }
            return try Response.json(test, status: .created, headers: [.location: "/v1/people/\(person.lowercasedString)/tests"])
        }

        routes.on(
            .get, "/v1/people/{personId}/tests", Self.readers, scope: .person(parameter: "personId"),
            summary: "A person's drug tests, the latest first"
        ) { _, context, identity -> Page in
            let person = try context.parameters.uuid("personId")
            let items = try await environment.database.withConnection { connection -> [DrugTest]? in
                guard try await PersonDirectory(connection: connection).person(person, visibleTo: identity) != nil else { return nil }
                return try await DrugTestStore(connection: connection).tests(of: person)
            }
            guard let items else { throw ProblemDetails.notFound("No person \(person) in your jurisdiction.") }
            try await environment.audit.record(
                AuditEntry(identity, context, action: "read", resource: "drug_test", resourceID: person.lowercasedString, personID: person))
            return Page(items: items)
        }
    }
}
