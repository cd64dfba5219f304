import EventBus

/// The declared fields of a JSON object in a request body: each field's name, type, format,
/// length, closed set and whether it is required. `JSONFields` checks a body against it (every
/// invalid field named, any other field refused) and `OpenAPIDocument` publishes it as the
/// operation's JSON Schema, so what is documented is what is enforced.
public struct BodySchema: Sendable {
    /// One field of the object.
    public struct Field: Sendable {
        public let name: String
        public let schema: ValueSchema
        /// Must be present and not null (nor, for text, empty).
        public let required: Bool
        public let description: String?

        public init(_ name: String, _ schema: ValueSchema, required: Bool = false, _ description: String? = nil) {
            self.name = name
            self.schema = schema
            self.required = required
            self.description = description
        }
    }

    public let fields: [Field]

    public init(_ fields: [Field]) {
        self.fields = fields
    }

    /// The field named `name`, if declared.
    public subscript(name: String) -> Field? { fields.first { $0.name == name } }

    /// The same fields, none required: the body of a change (PATCH) that sends only what changes.
    public var allOptional: BodySchema {
        BodySchema(fields.map { Field($0.name, $0.schema, required: false, $0.description) })
    }

    /// The fields of a `Decodable` type as `FieldProbe` reads them, nested types included, for
    /// documentation (a decoder, not this schema, checks what the type reads).
    init(describing members: [FieldProbe.Member], depth: Int) {
        self.fields = members.map { member in
            let schema =
                if let type = member.type { ValueSchema.describing(type, depth: depth) } else {
                    ValueSchema(member.field.kind, values: member.field.values)
                }
            return Field(member.field.name, schema, required: member.field.required)
        }
    }

    /// Checks `object` (found at `pointer`) and returns its valid fields in normal form (text
    /// trimmed; empty text and `null` as `null`). Every problem is added to `validator`: unknown
    /// fields, missing required ones, values the field's schema refuses.
    func check(_ object: [String: JSONValue], at pointer: String, _ validator: inout FieldValidator) -> [String: JSONValue] {
        for key in object.keys.sorted() where self[key] == nil {
            validator.add(pointer + "/" + key, "is not a field of this request")
        }
        var checked: [String: JSONValue] = [:]
        for field in fields {
            let path = pointer + "/" + field.name
            switch object[field.name] {
            case nil:
                if field.required { validator.add(path, "is required") }
            case .null?:
                if field.required { validator.add(path, "is required") }
                checked[field.name] = .null
            case .string(let text)? where field.schema.emptyIsNull && text.trimmingWhitespace().isEmpty:
                if field.required { validator.add(path, "must not be empty") }
                checked[field.name] = .null
            case let value?:
                if let good = field.schema.check(value, at: path, &validator) { checked[field.name] = good }
            }
        }
        return checked
    }

    /// Adds a problem for each field of `object` (and of the objects nested in it, where their
    /// fields are declared) that the schema does not declare; checks nothing else (for bodies a
    /// `Decodable` type reads and checks).
    func refuseUnknown(in object: [String: JSONValue], at pointer: String, _ validator: inout FieldValidator) {
        for key in object.keys.sorted() {
            let path = pointer + "/" + key
            guard let field = self[key] else {
                validator.add(path, "is not a field of this request")
                continue
            }
            switch (field.schema, object[key]) {
            case (.object(let nested?), .object(let members)?):
                nested.refuseUnknown(in: members, at: path, &validator)
            case (.array(.object(let nested?), _), .array(let items)?):
                for (index, item) in items.enumerated() {
                    if case .object(let members) = item { nested.refuseUnknown(in: members, at: path + "/\(index)", &validator) }
                }
            default: break
            }
        }
    }

    /// Its JSON Schema: the fields and which are required; `closed` (a request's body): no others.
    func document(closed: Bool = true) -> [String: Any] {
        var properties: [String: Any] = [:]
        for field in fields {
            var property = field.schema.document(closed: closed)
            if let description = field.description { property["description"] = description }
            properties[field.name] = property
        }
        var document: [String: Any] = ["type": "object", "properties": properties, "required": fields.filter(\.required).map(\.name)]
        if closed { document["additionalProperties"] = false }
        return document
    }
}

extension ValueSchema {
    /// Whether empty text stands for "no value" (text, dates): `""` reads as `null`.
    var emptyIsNull: Bool {
        switch self {
        case .string, .date, .dateTime: true
        default: false
        }
    }
}

extension BodySchema.Field {
    /// A text field of at most `maxLength` characters; `multiline`: tab and line breaks allowed.
    public static func text(
        _ name: String, maxLength: Int, required: Bool = false, multiline: Bool = false, _ description: String? = nil
    ) -> Self {
        Self(name, .text(maxLength: maxLength, multiline: multiline), required: required, description)
    }

    /// A text field holding one of `values`.
    public static func oneOf(_ name: String, _ values: [String], required: Bool = false, _ description: String? = nil) -> Self {
        Self(name, .oneOf(values), required: required, description)
    }

    /// A calendar date field (`YYYY-MM-DD`).
    public static func date(_ name: String, required: Bool = false, _ description: String? = nil) -> Self {
        Self(name, .date, required: required, description)
    }

    /// A whole-number field in `range`.
    public static func integer(_ name: String, _ range: ClosedRange<Int>, required: Bool = false, _ description: String? = nil) -> Self {
        Self(name, .integer(range), required: required, description)
    }

    public static func boolean(_ name: String, _ description: String? = nil) -> Self {
        Self(name, .boolean, description)
    }
}
