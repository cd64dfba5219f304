/// A query parameter an operation takes, declared once: documented in its OpenAPI entry, and the
/// only names the operation accepts. `SecuredRoutes` checks each value against `schema` before
/// the handler runs (422 naming `?name` otherwise), so a handler reads values already checked.
public struct QueryParameter: Sendable {
    public let name: String
    public let schema: ValueSchema
    public let description: String
    /// Must be sent (most parameters are filters and may be left out).
    public let required: Bool

    public init(_ name: String, _ schema: ValueSchema, required: Bool = false, _ description: String) {
        self.name = name
        self.schema = schema
        self.required = required
        self.description = description
    }

    /// Text of at most 200 characters.
    public init(_ name: String, _ description: String) {
        self.init(name, .text(maxLength: 200), description)
    }

    /// One of `values`.
    public init(_ name: String, values: [String], _ description: String) {
        self.init(name, .oneOf(values), description)
    }

    public static func date(_ name: String, _ description: String) -> QueryParameter {
        QueryParameter(name, .date, description)
    }

    public static func dateTime(_ name: String, _ description: String) -> QueryParameter {
        QueryParameter(name, .dateTime, description)
    }

    public static func uuid(_ name: String, _ description: String) -> QueryParameter {
        QueryParameter(name, .uuid, description)
    }

    public static func boolean(_ name: String, _ description: String) -> QueryParameter {
        QueryParameter(name, .boolean, description)
    }

    /// `limit`: how many items a page holds, from 1 to `maximum`.
    public static func limit(maximum: Int) -> QueryParameter {
        QueryParameter("limit", .integer(1...maximum), "How many items a page holds at most")
    }

    /// `after`: the `next` cursor of the previous page.
    public static let after = QueryParameter("after", .text(maxLength: 200), "The `next` cursor of the previous page")

    /// The OpenAPI parameter object.
    var document: [String: Any] {
        ["name": name, "in": "query", "required": required, "description": description, "schema": schema.document()]
    }

    /// The OpenAPI object of a path parameter declared this way (always required).
    var pathDocument: [String: Any] {
        ["name": name, "in": "path", "required": true, "description": description, "schema": schema.document()]
    }
}

/// A `{parameter}` of an operation's path, declared like a query parameter for its document (the
/// handler answers 404 for a value that names nothing). Path parameters not declared are
/// documented as UUIDs when named `id` or `...Id`, as text otherwise.
public typealias PathParameter = QueryParameter
