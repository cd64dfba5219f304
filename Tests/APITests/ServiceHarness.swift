import Access
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Postgres
import ServiceKit
import TestSupport
import Testing

/// Runs a service in-process (Hummingbird's router test mode: no sockets, real services and a
/// real database) against a test database, once its migrations are applied. `live`: on a real
/// port of localhost instead (`ServiceClient.port`), for a browser.
enum ServiceHarness {
    /// The service of that name (one of `AccessMatrixTests.descriptors`, the four).
    static func descriptor(named name: String) throws -> ServiceDescriptor {
        try #require(AccessMatrixTests.descriptors.first { $0.name == name })
    }

    static func withService<T: Sendable>(
        _ descriptor: ServiceDescriptor, database: TestDatabase, environment: [String: String] = [:], live: Bool = false,
        _ body: @Sendable (ServiceClient) async throws -> T
    ) async throws -> T {
        // The registry seals the audit trail with a key, as in production (the others ignore it).
        let sealKey = "a test key for the audit trail's seals"
        TestLogFile.recordSecrets([sealKey])
        var variables = [
            "DATABASE_URL": try database.conninfo(role: descriptor.role), "DATABASE_POOL_SIZE": "4", "AUDIT_SEAL_KEY": sealKey,
        ]
        variables.merge(environment) { $1 }
        let configuration = try await ServiceConfiguration.load(service: descriptor, environment: variables)
        nonisolated(unsafe) var declared: SecuredRoutes?
        let application = try ServiceCommand.makeApplication(descriptor, configuration, .test) { declared = $0 }
        let routes = try #require(declared)
        let value = try await application.test(live ? .live : .router) { client in
            let service = ServiceClient(client: client)
            let deadline = ContinuousClock.now + .seconds(30)
            while try await service.call(.get, "/readyz").status != 200 {
                guard ContinuousClock.now < deadline else { throw TestSupportError("\(descriptor.name) did not become ready") }
                try await Task.sleep(for: .milliseconds(50))
            }
            return try await body(service)
        }
        // Every status an endpoint answered during the test is in the service's OpenAPI document.
        let endpoints = Dictionary(routes.catalogue.map { ("\($0.method) \($0.path)", $0) }, uniquingKeysWith: { first, _ in first })
        for answer in routes.answered.all.sorted(by: { ($0.path, $0.status) < ($1.path, $1.status) }) {
            guard let endpoint = endpoints["\(answer.method) \(answer.path)"] else { continue }
            #expect(
                OpenAPIDocument.documentedStatuses(endpoint).contains(answer.status),
                "\(descriptor.name): \(answer.method) \(answer.path) answered \(answer.status), which its OpenAPI entry does not list")
        }
        return value
    }
}

/// A test client speaking JSON to one in-process service.
struct ServiceClient: Sendable {
    let client: any TestClientProtocol

    /// The port of a live service (nil in the router's test mode).
    var port: Int? { client.port }

    struct Reply: Sendable {
        let status: Int
        let headers: HTTPFields
        let body: String

        /// The body as a JSON object (empty when it is not one).
        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
        }

        /// A problem's invalid fields: pointer → reason (the first reason of a pointer).
        var fieldProblems: [String: String] {
            Dictionary(
                ((json["errors"] as? [[String: Any]]) ?? []).compactMap { error in
                    (error["pointer"] as? String).map { ($0, error["detail"] as? String ?? "") }
                }, uniquingKeysWith: { first, _ in first })
        }

        var contentType: String? { headers[.contentType] }
    }

    /// Sends `json` as `application/json`, or `csv` (or `csvBytes`, which need not be UTF-8) as
    /// `text/csv`, or `untyped` without a `Content-Type` (a `Content-Type` in `extra` wins).
    @discardableResult
    func call(
        _ method: HTTPRequest.Method, _ path: String, token: String? = nil, json: String? = nil, csv: String? = nil,
        csvBytes: [UInt8]? = nil, untyped: String? = nil, headers extra: HTTPFields = [:]
    ) async throws -> Reply {
        var headers: HTTPFields = [:]
        if let token { headers[.authorization] = "Bearer \(token)" }
        if json != nil { headers[.contentType] = "application/json" }
        if csv != nil || csvBytes != nil { headers[.contentType] = "text/csv" }
        for field in extra { headers[field.name] = field.value }
        let bytes = csvBytes ?? (json ?? csv ?? untyped).map { Array($0.utf8) }
        let response = try await client.executeRequest(
            uri: path, method: method, headers: headers, body: bytes.map { ByteBuffer(bytes: $0) })
        let reply = Reply(status: response.status.code, headers: response.headers, body: String(buffer: response.body))
        // What must never reach a log, for the run's secrets scan.
        TestLogFile.recordSecrets(
            [token].compactMap { $0 } + Self.secrets(in: json.map { Data($0.utf8) }) + Self.secrets(in: Data(reply.body.utf8)))
        return reply
    }

    /// The fields whose values are secrets or personal data.
    static let secretFields: Set<String> = [
        "password", "newPassword", "currentPassword", "accessToken", "key", "fullName", "nationalId", "phone",
    ]

    /// The values of `secretFields` anywhere in a JSON document.
    static func secrets(in data: Data?) -> [String] {
        guard let data, let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else { return [] }
        var found: [String] = []
        func walk(_ value: Any) {
            if let object = value as? [String: Any] {
                for (name, member) in object {
                    if secretFields.contains(name), let text = member as? String { found.append(text) } else { walk(member) }
                }
            } else if let array = value as? [Any] {
                array.forEach(walk)
            }
        }
        walk(object)
        return found
    }

    /// Signs in and returns the bearer token; fails the test unless it succeeds.
    func signIn(_ username: String, password: String = StaffSeed.password) async throws -> String {
        let reply = try await call(.post, "/v1/auth/token", json: #"{"username":"\#(username)","password":"\#(password)"}"#)
        guard reply.status == 200, let token = reply.json["accessToken"] as? String else {
            throw TestSupportError("sign-in of \(username) failed: \(reply.status) \(reply.body)")
        }
        return token
    }
}

extension Logger {
    static let quiet: Logger = {
        var logger = Logger(label: "tests") { _ in SwiftLogNoOpLogHandler() }
        logger.logLevel = .critical
        return logger
    }()
}
