import EventBus

/// What an operation takes as its body, declared once with the route (`SecuredRoutes.on(body:)`):
/// the media type (415 for any other), the fields (checked by `JSONFields.body`, refused with 422
/// naming each), and whether it may be left out. The OpenAPI document publishes the same
/// declaration.
public struct DeclaredBody: Sendable {
    /// How the body is shaped.
    public enum Shape: Sendable {
        /// A JSON object with these fields.
        case fields(BodySchema)
        /// A JSON object whose fields depend on a path parameter: the schema named by its value.
        case variants(parameter: String, [(value: String, schema: BodySchema)])
        /// Any JSON object (a `Decodable` type whose fields cannot be probed; it checks them).
        case anyObject
        /// Text in the media type (CSV).
        case text
    }

    public let mediaType: String
    public let shape: Shape
    /// Whether the body must be sent (false: an operation that takes an optional note).
    public let required: Bool

    /// A JSON object with `schema`'s fields.
    public static func json(_ schema: BodySchema, required: Bool = true) -> DeclaredBody {
        DeclaredBody(mediaType: "application/json", shape: .fields(schema), required: required)
    }

    /// A JSON object with `fields`.
    public static func json(_ fields: BodySchema.Field...) -> DeclaredBody {
        json(BodySchema(fields))
    }

    /// A JSON object whose schema is chosen by path parameter `parameter`.
    public static func json(by parameter: String, _ variants: [(value: String, schema: BodySchema)]) -> DeclaredBody {
        DeclaredBody(mediaType: "application/json", shape: .variants(parameter: parameter, variants), required: true)
    }

    /// A JSON object a `Decodable` type reads (`Request.decodeJSON`); documented from its fields.
    public static func decodable(_ type: any Decodable.Type) -> DeclaredBody {
        let shape = FieldProbe.members(of: type).map { Shape.fields(BodySchema(describing: $0, depth: 1)) } ?? .anyObject
        return DeclaredBody(mediaType: "application/json", shape: shape, required: true)
    }

    /// A CSV file.
    public static let csv = DeclaredBody(mediaType: "text/csv", shape: .text, required: true)

    /// The schema a body sent to a route with path `parameters` must follow, nil for text.
    func schema(parameters: (String) -> String?) -> BodySchema? {
        switch shape {
        case .fields(let schema): return schema
        case .variants(let parameter, let variants):
            let value = parameters(parameter)
            return variants.first { $0.value == value }?.schema
        case .anyObject, .text: return nil
        }
    }

    /// Its JSON Schema.
    var document: [String: Any] {
        switch shape {
        case .fields(let schema): return schema.document()
        case .variants(let parameter, let variants):
            return [
                "oneOf": variants.map { variant -> [String: Any] in
                    var document = variant.schema.document()
                    document["title"] = "\(parameter) = \(variant.value)"
                    return document
                }
            ]
        case .anyObject: return ["type": "object"]
        case .text: return ["type": "string"]
        }
    }
}
