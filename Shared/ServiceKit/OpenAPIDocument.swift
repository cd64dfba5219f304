import Access
import EventBus
import Foundation
import Hummingbird

/// The OpenAPI 3.1 document of a service, generated from the endpoints it declares (so it cannot
/// drift from the router): paths, methods, path parameters, who may call each (`x-roles`), and
/// the problem responses every endpoint can give. Served at `GET /openapi.json`.
public enum OpenAPIDocument {
    public static func json(service: ServiceDescriptor, endpoints: [SecuredRoutes.Endpoint]) throws -> Data {
        var paths: [String: [String: Any]] = [:]
        for endpoint in endpoints {
            let method = endpoint.method.rawValue.lowercased()
            var operation: [String: Any] = [
                "operationId": operationID(endpoint),
                "summary": endpoint.summary ?? "\(endpoint.method.rawValue) \(endpoint.path)",
                "responses": responses(endpoint, links: links(from: endpoint, to: endpoints)),
            ]
            let parameters = endpoint.path.split(separator: "/").filter { $0.hasPrefix("{") && $0.hasSuffix("}") }.map { name -> [String: Any] in
                let bare = String(name.dropFirst().dropLast())
                if let declared = endpoint.pathParameters.first(where: { $0.name == bare }) { return declared.pathDocument }
                return [
                    "name": bare, "in": "path", "required": true,
                    "schema": bare == "id" || bare.hasSuffix("Id") ? ["type": "string", "format": "uuid"] : ["type": "string"],
                ]
            }
            let all = parameters + endpoint.query.map(\.document)
            if !all.isEmpty { operation["parameters"] = all }
            if let rule = endpoint.rule {
                operation["security"] = [["bearer": [String]()]]
                operation["x-roles"] = rule.roles.map(\.rawValue).sorted() + (rule.allowsAgencyKeys ? ["agency-key"] : [])
            } else {
                operation["security"] = [[String: [String]]]()
            }
            switch endpoint.scope {
            case .person: operation["x-scope"] = "person: 404 outside the caller's jurisdiction"
            case .personList: operation["x-scope"] = "people: only those in the caller's jurisdiction"
            case .referral:
                operation["x-scope"] = "referral: 404 unless addressed to the caller's organisation or about a person in the caller's jurisdiction"
            case .record(let resource, _): operation["x-scope"] = "\(resource): 404 unless the caller may see it"
            case .referralList:
                operation["x-scope"] = "referrals: only those addressed to the caller's organisation or about people in the caller's jurisdiction"
            case .none: break
            }
            if let body = endpoint.body {
                operation["requestBody"] = ["required": body.required, "content": [body.mediaType: ["schema": body.document]]]
            }
            paths[endpoint.path, default: [:]][method] = operation
        }
        let document: [String: Any] = [
            "openapi": "3.1.0",
            "info": [
                "title": "recovery \(service.name) API",
                "version": "1",
                "description": "Drug-treatment and after-care case management: the \(service.name) service. Errors are RFC 9457 problems.",
            ],
            "servers": [["url": "/"]],
            "paths": paths,
            "components": [
                "securitySchemes": [
                    "bearer": ["type": "http", "scheme": "bearer", "description": "POST /v1/auth/token on the registry; or an agency API key"]
                ],
                "schemas": ["Problem": problemSchema],
            ],
        ]
        return try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes])
    }

    /// An answer's schema by media type: JSON objects, CSV text.
    static func schema(of mediaType: String) -> [String: Any] {
        mediaType == "text/csv" ? ["type": "string"] : ["type": "object"]
    }

    /// The content of a success answer with a body, in each of the endpoint's media types (JSON
    /// with the fields of the types it declares).
    static func answerContent(_ endpoint: SecuredRoutes.Endpoint) -> [String: Any] {
        var content: [String: Any] = [:]
        for type in endpoint.answerTypes {
            let shapes: [[String: Any]] = endpoint.answers.map { $0.document(closed: false) }
            let schema: [String: Any] =
                if type != "application/json" || shapes.isEmpty { schema(of: type) } else if shapes.count == 1 { shapes[0] } else {
                    ["oneOf": shapes]
                }
            content[type] = ["schema": schema]
        }
        return content
    }

    static func operationID(_ endpoint: SecuredRoutes.Endpoint) -> String {
        let words = endpoint.path.split(separator: "/").filter { $0 != "v1" }.map { part -> String in
            let bare = part.hasPrefix("{") ? "by-" + part.dropFirst().dropLast() : part
            return bare.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        }
        return endpoint.method.rawValue.lowercased() + words.joined()
    }

    /// OpenAPI links from a create operation (a POST answering with an `id`) to the operations on
    /// what it created: those under its own path or under `/v1/<what it creates>` whose only path
    /// parameter is the next segment (`POST /v1/people/{personId}/referrals` links to
    /// `GET /v1/referrals/{referralId}`, `POST /v1/referrals/{referralId}/response`...). Readers and
    /// stateful fuzzing follow them with the created id.
    static func links(from endpoint: SecuredRoutes.Endpoint, to endpoints: [SecuredRoutes.Endpoint]) -> [String: Any] {
        func hasID(_ answer: ValueSchema) -> Bool {
            switch answer {
            case .object(let schema?): schema.fields.contains { $0.name == "id" }
            case .alternatives(let shapes): !shapes.isEmpty && shapes.allSatisfy(hasID)
            default: false
            }
        }
        guard endpoint.method == .post, endpoint.answers.contains(where: hasID), let created = endpoint.path.split(separator: "/").last,
            !created.hasPrefix("{")
        else { return [:] }
        let bases = Set([endpoint.path, "/v1/\(created)"])
        var links: [String: Any] = [:]
        for target in endpoints {
            let segments = target.path.split(separator: "/", omittingEmptySubsequences: false)
            let parameters = segments.filter { $0.hasPrefix("{") }
            guard parameters.count == 1, let parameter = parameters.first,
                bases.contains(where: { target.path == $0 + "/" + parameter || target.path.hasPrefix($0 + "/" + parameter + "/") })
            else { continue }
            links[operationID(target)] = [
                "operationId": operationID(target),
                "parameters": [String(parameter.dropFirst().dropLast()): "$response.body#/id"],
            ]
        }
        return links
    }

    /// The responses of `endpoint`; its success answers with a body carry `links`.
    static func responses(_ endpoint: SecuredRoutes.Endpoint, links: [String: Any] = [:]) -> [String: Any] {
        let problem: [String: Any] = ["application/problem+json": ["schema": ["$ref": "#/components/schemas/Problem"]]]
        var responses: [String: Any] = [
            "400": ["description": "Malformed request", "content": problem],
            "422": ["description": "Invalid fields, each named by a JSON Pointer in errors[]", "content": problem],
        ]
        if endpoint.rule != nil {
            responses["401"] = ["description": "No valid bearer token", "content": problem]
            responses["403"] = ["description": "The caller's role may not do this", "content": problem]
        }
        if endpoint.path.contains("{") { responses["404"] = ["description": "Not found, or outside the caller's jurisdiction", "content": problem] }
        // Success by method unless the endpoint declares its own success statuses: a POST creates,
        // a PUT or DELETE answers without a body.
        if !endpoint.responses.keys.contains(where: { (200..<300).contains($0) }) {
            switch endpoint.method {
            case .post: responses["201"] = ["description": "Created", "content": answerContent(endpoint)]
            case .put, .delete: responses["204"] = ["description": "Done"]
            default: responses["200"] = ["description": "Success", "content": answerContent(endpoint)]
            }
        }
        if endpoint.method == .patch {
            responses["412"] = ["description": "If-Match is not the current version", "content": problem]
            responses["428"] = ["description": "If-Match is missing: send the version read with the record", "content": problem]
        }
        if endpoint.body != nil {
            responses["413"] = ["description": "The body is too large", "content": problem]
            responses["415"] = ["description": "The body is not sent as the media type the operation takes", "content": problem]
        }
        responses["500"] = ["description": "An unexpected failure (logged under the request id)", "content": problem]
        responses["503"] = ["description": "The database is unavailable or the service not ready; try again", "content": problem]
        for (status, description) in endpoint.responses {
            switch status {
            case 204: responses["204"] = ["description": description]
            case 200..<300: responses[String(status)] = ["description": description, "content": answerContent(endpoint)]
            default: responses[String(status)] = ["description": description, "content": problem]
            }
        }
        if !links.isEmpty {
            for (status, response) in responses {
                guard let code = Int(status), (200..<300).contains(code), var answer = response as? [String: Any], answer["content"] != nil
                else { continue }
                answer["links"] = links
                responses[status] = answer
            }
        }
        return responses
    }

    /// The statuses the document lists for `endpoint`.
    public static func documentedStatuses(_ endpoint: SecuredRoutes.Endpoint) -> Set<Int> {
        Set(responses(endpoint).keys.compactMap { Int($0) })
    }

    static var problemSchema: [String: Any] {
        [
            "type": "object",
            "required": ["type", "title", "status"],
            "properties": [
                "type": ["type": "string", "format": "uri"], "title": ["type": "string"], "status": ["type": "integer"],
                "detail": ["type": "string"],
                "rule": ["type": "string", "description": "the rule a refused change of state breaks (409)"],
                "errors": [
                    "type": "array",
                    "items": [
                        "type": "object", "required": ["pointer", "detail"],
                        "properties": ["pointer": ["type": "string"], "detail": ["type": "string"]],
                    ],
                ],
            ],
        ]
    }
}
