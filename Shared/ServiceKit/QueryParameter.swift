/// A query parameter an operation takes: documented in its OpenAPI entry, and the only names the
/// operation accepts (any other answers 422 naming it). The handler still reads and checks the
/// values.
public struct QueryParameter: Sendable, Hashable {
    public let name: String
    /// JSON Schema type: `string`, `integer` or `boolean`.
    public let type: String
    /// JSON Schema format: `date`, `date-time`, `uuid`, or nil.
    public let format: String?
    /// The only values it takes, when a closed set.
    public let values: [String]?
    public let description: String

    public init(_ name: String, type: String = "string", format: String? = nil, values: [String]? = nil, _ description: String) {
        self.name = name
        self.type = type
        self.format = format
        self.values = values
        self.description = description
    }

    public static func date(_ name: String, _ description: String) -> QueryParameter {
        QueryParameter(name, format: "date", description)
    }

    public static func dateTime(_ name: String, _ description: String) -> QueryParameter {
        QueryParameter(name, format: "date-time", description)
    }

    public static func uuid(_ name: String, _ description: String) -> QueryParameter {
        QueryParameter(name, format: "uuid", description)
    }

    /// `limit`: how many items a page holds.
    public static let limit = QueryParameter("limit", type: "integer", "How many items a page holds at most")
    /// `after`: the `next` cursor of the previous page.
    public static let after = QueryParameter("after", "The `next` cursor of the previous page")

    /// The OpenAPI parameter object.
    var document: [String: Any] {
        var schema: [String: Any] = ["type": type]
        if let format { schema["format"] = format }
        if let values { schema["enum"] = values }
        return ["name": name, "in": "query", "required": false, "description": description, "schema": schema]
    }
}
