import Access
import Foundation
import HTTPTypes
import Referrals
import Registry
import Statistics
import ServiceKit
import TestSupport
import Testing
import Treatment

@Suite("OpenAPI documents", .timeLimit(.minutes(2)))
struct OpenAPITests {
    /// Each service's document passes openapi-spec-validator (PyPI; `deploy/local/test.sh`
    /// installs it).
    @Test(arguments: [RegistryService.descriptor, TreatmentService.descriptor, ReferralsService.descriptor, StatisticsService.descriptor])
    func everyDocumentValidates(_ descriptor: ServiceDescriptor) async throws {
        let endpoints = try await AccessMatrixTests.catalogue(descriptor)
        let file = FileManager.default.temporaryDirectory.appending(path: "recovery-openapi-\(descriptor.name)-\(getpid()).json")
        try OpenAPIDocument.json(service: descriptor, endpoints: endpoints).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c", "import json, sys; from openapi_spec_validator import validate; validate(json.load(open(sys.argv[1])))",
            file.path,
        ]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(descriptor.name): \(message.suffix(2000))")
    }

    /// No operation publishes a bare `{"type": "object"}`: each JSON body lists its fields (closed
    /// to others), each JSON answer its fields, each query parameter its type, and whatever
    /// writes takes a declared body.
    @Test(arguments: [RegistryService.descriptor, TreatmentService.descriptor, ReferralsService.descriptor, StatisticsService.descriptor])
    func everyBodyAndParameterIsDescribed(_ descriptor: ServiceDescriptor) async throws {
        let endpoints = try await AccessMatrixTests.catalogue(descriptor)
        let document = try JSONSerialization.jsonObject(with: OpenAPIDocument.json(service: descriptor, endpoints: endpoints)) as? [String: Any]
        let paths = try #require(document?["paths"] as? [String: [String: [String: Any]]])
        for (path, operations) in paths {
            for (method, operation) in operations {
                let name = "\(method) \(path)"
                for parameter in operation["parameters"] as? [[String: Any]] ?? [] {
                    let schema = parameter["schema"] as? [String: Any] ?? [:]
                    #expect(schema["type"] is String, "\(name): \(parameter)")
                    // A path parameter says what it takes: an id, a closed set, a code's shape or a bounded number.
                    if parameter["in"] as? String == "path" {
                        let bounded = schema["type"] as? String == "integer" && schema["minimum"] != nil && schema["maximum"] != nil
                        #expect(schema["format"] != nil || schema["enum"] != nil || schema["pattern"] != nil || bounded, "\(name): \(parameter)")
                    }
                }
                let answers = (operation["responses"] as? [String: [String: Any]] ?? [:]).filter { $0.key.hasPrefix("2") }
                for (status, answer) in answers {
                    guard let json = (answer["content"] as? [String: [String: Any]])?["application/json"] else { continue }
                    let schema = json["schema"] as? [String: Any] ?? [:]
                    #expect(schema["properties"] is [String: Any] || schema["oneOf"] is [Any], "\(name) \(status): its answer has no fields")
                }
                guard let body = operation["requestBody"] as? [String: Any] else { continue }
                let content = try #require(body["content"] as? [String: [String: Any]], "\(name)")
                guard let schema = content["application/json"]?["schema"] as? [String: Any] else { continue }
                let objects = (schema["oneOf"] as? [[String: Any]]) ?? [schema]
                for object in objects {
                    #expect(object["properties"] is [String: Any], "\(name) publishes no fields")
                    #expect(object["additionalProperties"] as? Bool == false, "\(name) does not refuse other fields")
                }
            }
        }
        // Every write declares the body it takes, but sign-out and deactivation, which take none.
        let bodiless = endpoints.filter { [.post, .put, .patch].contains($0.method) && $0.body == nil }.map(\.path)
        #expect(Set(bodiless).isSubset(of: ["/v1/auth/logout", "/v1/partners/{partnerId}/deactivate"]), "\(bodiless)")
    }

    @Test func theRegistryDocumentListsEveryDeclaredEndpointWithItsRoles() async throws {
        let endpoints = try await AccessMatrixTests.catalogue(RegistryService.descriptor)
        try await withTestDatabase("openapi") { database in
            try await ServiceHarness.withService(RegistryService.descriptor, database: database) { registry in
                let reply = try await registry.call(.get, "/openapi.json")
                #expect(reply.status == 200)
                let document = reply.json
                #expect(document["openapi"] as? String == "3.1.0")
                let paths = try #require(document["paths"] as? [String: [String: Any]])
                for endpoint in endpoints {
                    let operation = paths[endpoint.path]?[endpoint.method.rawValue.lowercased()] as? [String: Any]
                    #expect(operation != nil, "\(endpoint.method) \(endpoint.path)")
                    let roles = operation?["x-roles"] as? [String]
                    if let rule = endpoint.rule {
                        #expect(Set(roles ?? []).isSuperset(of: rule.roles.map(\.rawValue)), "\(endpoint.path)")
                    } else {
                        #expect(roles == nil)
                    }
                }
                #expect(paths.values.reduce(0) { $0 + $1.count } == endpoints.count)
                let ids = paths.values.flatMap { $0.values.compactMap { ($0 as? [String: Any])?["operationId"] as? String } }
                #expect(Set(ids).count == ids.count)
                // Media types: the import takes CSV; a sign-out takes no body; statuses beyond the usual are listed.
                let importBody = (paths["/v1/people/imports"]?["post"] as? [String: Any])?["requestBody"] as? [String: Any]
                #expect((importBody?["content"] as? [String: Any])?.keys.sorted() == ["text/csv"])
                #expect((paths["/v1/auth/logout"]?["post"] as? [String: Any])?["requestBody"] == nil)
                let moves = (paths["/v1/people/{id}/moves"]?["post"] as? [String: Any])?["responses"] as? [String: Any]
                #expect(moves?["204"] != nil && moves?["200"] != nil && moves?["415"] != nil)
                // A body read by a Decodable type is published with its fields, and no others.
                let token = (paths["/v1/auth/token"]?["post"] as? [String: Any])?["requestBody"] as? [String: Any]
                let tokenSchema = ((token?["content"] as? [String: Any])?["application/json"] as? [String: Any])?["schema"] as? [String: Any]
                #expect(Set((tokenSchema?["properties"] as? [String: Any])?.keys.map { $0 } ?? []) == ["username", "password"])
                #expect(Set(tokenSchema?["required"] as? [String] ?? []) == ["username", "password"])
                #expect(tokenSchema?["additionalProperties"] as? Bool == false)
                // Query parameters are declared, with their closed sets.
                let search = (paths["/v1/people"]?["get"] as? [String: Any])?["parameters"] as? [[String: Any]] ?? []
                #expect(
                    Set(search.compactMap { $0["name"] as? String }) == ["q", "nationalId", "communeCode", "status", "ageBand", "after", "limit"])
                let status = search.first { $0["name"] as? String == "status" }
                #expect(status?["in"] as? String == "query")
                #expect(((status?["schema"] as? [String: Any])?["enum"] as? [String])?.contains("in_aftercare") == true)
            }
        }
    }

    /// A create operation links to the operations on what it created, with the id it answers,
    /// and every link names an operation of the same document.
    @Test func createOperationsLinkToWhatTheyCreate() async throws {
        var linked: [String: [String: [String: String]]] = [:]
        for descriptor in [RegistryService.descriptor, TreatmentService.descriptor, ReferralsService.descriptor, StatisticsService.descriptor] {
            let endpoints = try await AccessMatrixTests.catalogue(descriptor)
            let document = try JSONSerialization.jsonObject(with: OpenAPIDocument.json(service: descriptor, endpoints: endpoints)) as? [String: Any]
            let paths = try #require(document?["paths"] as? [String: [String: [String: Any]]])
            let ids = Set(paths.values.flatMap { $0.values.compactMap { $0["operationId"] as? String } })
            for (path, operations) in paths {
                for (method, operation) in operations {
                    for (status, answer) in operation["responses"] as? [String: [String: Any]] ?? [:] {
                        guard let links = answer["links"] as? [String: [String: Any]] else { continue }
                        #expect(method == "post" && status.hasPrefix("2"), "\(method) \(path) \(status) has links")
                        for (name, link) in links {
                            let target = link["operationId"] as? String ?? ""
                            #expect(ids.contains(target), "\(descriptor.name) \(path): \(name) names no operation")
                            linked["\(descriptor.name) \(method) \(path) \(status)", default: [:]][target] = link["parameters"] as? [String: String]
                        }
                    }
                }
            }
        }
        #expect(linked["registry post /v1/people 201"]?["getPeopleById"] == ["id": "$response.body#/id"], "\(linked.keys.sorted())")
        #expect(linked["registry post /v1/people 201"]?["patchPeopleById"] == ["id": "$response.body#/id"])
        let referral = linked["referrals post /v1/people/{personId}/referrals 201"]
        #expect(referral?["getReferralsByReferralId"] == ["referralId": "$response.body#/id"], "\(referral ?? [:])")
        #expect(referral?["postReferralsByReferralIdResponse"] == ["referralId": "$response.body#/id"])
        #expect(linked["treatment post /v1/people/{personId}/episodes 201"]?["postEpisodesByEpisodeIdStart"] == ["episodeId": "$response.body#/id"])
        // Nothing links to an operation needing another parameter than the created id.
        #expect(linked.values.allSatisfy { $0.values.allSatisfy { $0.count == 1 } })
    }
}
