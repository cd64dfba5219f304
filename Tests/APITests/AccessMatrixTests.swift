import Access
import Foundation
import HTTPTypes
import Postgres
import Referrals
import Registry
import ServiceKit
import Statistics
import TestSupport
import Testing
import Treatment

/// The role × endpoint table, generated from what each service declares: every secured endpoint
/// is called by every role, by an agency key and without a token, and must answer 401 without a
/// token, 403 to a caller its rule does not admit, and neither to one it admits. Person-scoped
/// endpoints are called for a real person of commune 00004 (province 01): callers whose
/// jurisdiction does not cover that commune must get 404, as if the person did not exist.
@Suite("Access rules of every endpoint of every service", .timeLimit(.minutes(4)))
struct AccessMatrixTests {
    static let descriptors: [ServiceDescriptor] = [
        RegistryService.descriptor, TreatmentService.descriptor, ReferralsService.descriptor, StatisticsService.descriptor,
    ]

    /// The endpoints a service declares, from the same code that builds its router.
    static func catalogue(_ descriptor: ServiceDescriptor) async throws -> [SecuredRoutes.Endpoint] {
        let configuration = try await ServiceConfiguration.load(service: descriptor, environment: [:])
        let environment = ServiceCommand.makeEnvironment(descriptor, configuration, .quiet)
        return ServiceCommand.makeRoutes(descriptor, environment).catalogue
    }

    /// How many refused attempts on `id` through `endpoint` the audit trail holds (0 without an id).
    static func refusals(_ connection: PostgresConnection, of id: String?, _ endpoint: SecuredRoutes.Endpoint) async throws -> Int {
        guard let id else { return 0 }
        return try await connection.query(
            """
            SELECT count(*) FROM audit.entries
            WHERE resource_id = lower(\(id)) AND outcome = 'denied' AND detail ->> 'endpoint' = \("\(endpoint.method) \(endpoint.path)")
            """)[0].decode(Int.self, at: 0)
    }

    /// A concrete path for a declared one: the person parameter becomes `person`, the referral
    /// parameter `referral`, every other `{parameter}` a fresh UUID.
    static func concrete(_ endpoint: SecuredRoutes.Endpoint, person: String, referral: String?) -> String {
        var known: [String: String] = [:]
        if case .person(let name) = endpoint.scope { known["{\(name)}"] = person }
        if case .referral(let name) = endpoint.scope { known["{\(name)}"] = referral ?? UUID().uuidString.lowercased() }
        return endpoint.path.split(separator: "/", omittingEmptySubsequences: false).map {
            if let value = known[String($0)] { return Substring(value) }
            return $0.hasPrefix("{") ? Substring(UUID().uuidString.lowercased()) : $0
        }.joined(separator: "/")
    }

    /// The partner organisation of the seeded `partner1` account; the matrix's referral is addressed to it.
    static let partnerID = UUID(uuidString: "00000000-0000-4000-8000-00000000a001")!

    /// Whether `identity` may see a referral of the person of commune 00004 addressed to `partnerID`.
    static func coversReferral(_ identity: Identity) -> Bool {
        if case .staff(let staff) = identity, staff.role == .referralPartner { return staff.jurisdiction == .partner(id: partnerID) }
        return covers(identity)
    }

    /// Whether `identity`'s jurisdiction covers commune 00004 of province 01.
    static func covers(_ identity: Identity) -> Bool {
        guard case .staff(let staff) = identity else { return false }
        switch (staff.role, staff.jurisdiction) {
        case (.admin, _): return true
        case (.provinceOfficer, .province(let code)): return code == "01"
        case (.communeOfficer, .commune(let code)): return code == "00004"
        default: return false
        }
    }

    @Test func everyServiceDeclaresItsEndpointsAndOnlyTheTokenExchangeIsPublic() async throws {
        for descriptor in Self.descriptors {
            let endpoints = try await Self.catalogue(descriptor)
            #expect(endpoints.contains { $0.path == "/v1/auth/me" }, "\(descriptor.name)")
            let open = endpoints.filter { $0.rule == nil }.map { "\($0.method) \($0.path)" }
            #expect(open == (descriptor.name == "registry" ? ["POST /v1/auth/token"] : []), "\(descriptor.name)")
        }
    }

    @Test(arguments: descriptors.map(\.name))
    func everyRoleGetsWhatItsRuleSays(_ name: String) async throws {
        let descriptor = Self.descriptors.first { $0.name == name }!
        // Logout last: it ends the session whose token the other calls use.
        let endpoints = try await Self.catalogue(descriptor).filter { $0.rule != nil }
            .sorted { ($0.path == "/v1/auth/logout" ? 1 : 0) < ($1.path == "/v1/auth/logout" ? 1 : 0) }
        try await withTestDatabase("matrix_\(name)") { database in
            try await ServiceHarness.withService(RegistryService.descriptor, database: database) { registry in
                try await StaffSeed.insert(into: database)
                var tokens: [(caller: String, token: String?, identity: Identity?)] = [("nobody", nil, nil)]
                for account in StaffSeed.accounts {
                    let token = try await registry.signIn(account.username)
                    let role = account.role
                    tokens.append(
                        (
                            account.username, token,
                            .staff(
                                StaffIdentity(
                                    accountID: UUID(), sessionID: UUID(), username: account.username, role: role,
                                    jurisdiction: account.jurisdiction, expiresAt: .distantFuture))
                        ))
                }
                let admin = tokens.first { $0.caller == "admin1" }!.token!
                let created = try await registry.call(
                    .post, "/v1/api-keys", token: admin, json: #"{"label":"Cục Thống kê","purpose":"monthly indicators","areaCode":"national"}"#)
                let key = try #require(created.json["key"] as? String)
                tokens.append(("agency-key", key, .agency(AgencyIdentity(keyID: UUID(), label: "k", purpose: "p", areaCode: nil))))
                let registered = try await registry.call(
                    .post, "/v1/people", token: admin,
                    json: #"{"fullName":"Lê Văn Tám","birthYear":1988,"sex":"male","residence":{"communeCode":"00004"}}"#)
                let person = try #require(registered.headers[.location]).split(separator: "/").last.map(String.init)!

                let callers = tokens
                let commune = tokens.first { $0.caller == "commune00004" }!.token!
                let check: @Sendable (ServiceClient) async throws -> Void = { service in
                    var referral: String?
                    if descriptor.name == "referrals" {
                        // A partner organisation for partner1's account, and one referral to it.
                        let connection = try await database.connect()
                        try await connection.query(
                            "INSERT INTO referrals.partners (id, name, search_name, kind) VALUES (\(Self.partnerID), 'Trung tâm Dịch vụ việc làm', 'trung tam dich vu viec lam', 'employment_centre')"
                        )
                        await connection.close()
                        let made = try await service.call(
                            .post, "/v1/people/\(person)/referrals", token: commune,
                            json: #"{"partnerId":"\#(Self.partnerID.uuidString)","kind":"job","request":"Việc làm phổ thông"}"#)
                        #expect(made.status == 201, "\(made.body)")
                        referral = made.json["id"] as? String
                    }
                    let trail = try await database.connect()
                    do {
                        for endpoint in endpoints {
                            let path = Self.concrete(endpoint, person: person, referral: referral)
                            let body: String? = [.post, .put, .patch].contains(endpoint.method) ? "{}" : nil
                            let served: String? =
                                switch endpoint.scope {
                                case .person: person
                                case .referral: referral
                                default: nil
                                }
                            for (caller, token, identity) in callers {
                                let refusalsBefore = try await Self.refusals(trail, of: served, endpoint)
                                let reply = try await service.call(endpoint.method, path, token: token, json: body)
                                let label = "\(name) \(endpoint.method) \(endpoint.path) as \(caller): \(reply.status) \(reply.body)"
                                // Every refused attempt on one person's or referral's data is on the audit trail.
                                if served != nil, identity != nil, [403, 404].contains(reply.status) {
                                    #expect(try await Self.refusals(trail, of: served, endpoint) == refusalsBefore + 1, "not audited: \(label)")
                                }
                                #expect(reply.status == 204 || reply.contentType != nil, "\(label)")
                                guard let identity else {
                                    #expect(reply.status == 401, "\(label)")
                                    continue
                                }
                                if endpoint.rule!.admits(identity) {
                                    #expect(![401, 403, 500].contains(reply.status), "\(label)")
                                    switch endpoint.scope {
                                    case .person:
                                        #expect((reply.status == 404) == !Self.covers(identity), "\(label)")
                                    case .personList:
                                        let items = reply.json["items"] as? [[String: Any]]
                                        #expect(items?.count == (Self.covers(identity) ? 1 : 0), "\(label)")
                                    case .referral:
                                        #expect((reply.status == 404) == !Self.coversReferral(identity), "\(label)")
                                    case .referralList:
                                        let items = reply.json["items"] as? [[String: Any]]
                                        #expect(items?.count == (Self.coversReferral(identity) ? 1 : 0), "\(label)")
                                    case .record:
                                        // A record nobody made: not found, whoever asks.
                                        #expect(reply.status == 404, "\(label)")
                                    case .none:
                                        break
                                    }
                                } else {
                                    #expect(reply.status == 403, "\(label)")
                                    #expect(reply.contentType == "application/problem+json", "\(label)")
                                }
                            }
                        }
                    } catch {
                        await trail.close()
                        throw error
                    }
                    await trail.close()
                }
                if descriptor.name == "registry" {
                    try await check(registry)
                } else {
                    try await ServiceHarness.withService(descriptor, database: database) { try await check($0) }
                }
            }
        }
    }
}
