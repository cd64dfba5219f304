/// A SQL statement with its parameters bound separately from its text.
///
/// Interpolated values become `$1`, `$2`… parameters, so a value can never be spliced into the
/// SQL text, not even by accident:
///
///     let rows = try await db.query("SELECT id FROM person WHERE national_id = \(nationalID)")
///
/// Only identifiers (schema or table names chosen by the program, never by a user) may be
/// spliced, quoted, with `\(identifier: schema)`.
public struct PostgresQuery: Sendable, ExpressibleByStringInterpolation {
    public var sql: String
    public var bindings: PostgresBindings
    /// Whether the statement is prepared once per connection and reused (the default). A
    /// statement whose best plan depends on its values (a search with optional filters) is better
    /// sent unprepared: the server then plans it for the actual values every time.
    public var isPrepared = true

    /// This statement, planned for its actual values on every execution (see `isPrepared`).
    public func unprepared() -> PostgresQuery {
        var query = self
        query.isPrepared = false
        return query
    }

    /// A statement whose text is already complete; `bindings` fill its `$n` placeholders.
    public init(unsafeSQL sql: String, bindings: PostgresBindings = PostgresBindings()) {
        self.sql = sql
        self.bindings = bindings
    }

    public init(stringLiteral value: String) {
        self.sql = value
        self.bindings = PostgresBindings()
    }

    public init(stringInterpolation: StringInterpolation) {
        self.sql = stringInterpolation.sql
        self.bindings = stringInterpolation.bindings
    }

    public struct StringInterpolation: StringInterpolationProtocol {
        var sql: String
        var bindings: PostgresBindings

        public init(literalCapacity: Int, interpolationCount: Int) {
            sql = ""
            sql.reserveCapacity(literalCapacity + interpolationCount * 3)
            bindings = PostgresBindings(capacity: interpolationCount)
        }

        public mutating func appendLiteral(_ literal: String) { sql += literal }

        /// `$n` for the parameter just bound; the common ones come ready-made, without formatting
        /// a number for every parameter of every statement.
        private mutating func appendPlaceholder() {
            let number = bindings.count
            if number < Self.placeholders.count {
                sql += Self.placeholders[number]
            } else {
                sql += "$\(number)"
            }
        }

        private static let placeholders: [String] = (0..<64).map { "$\($0)" }

        /// Binds `value` as the next parameter.
        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value) {
            bindings.append(value)
            appendPlaceholder()
        }

        /// Binds `value` as the next parameter, NULL when nil.
        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value?) {
            bindings.append(value)
            appendPlaceholder()
        }

        /// Splices a fragment of SQL fixed at compile time (a shared column list, say). Only a
        /// `StaticString` is accepted, so no value can reach the text this way.
        public mutating func appendInterpolation(sql fragment: StaticString) {
            sql += fragment.description
        }

        /// Splices a condition or clause built elsewhere, binding its values as the next
        /// parameters (`WHERE \(scope) AND ...`).
        public mutating func appendInterpolation(_ fragment: SQLFragment) {
            for part in fragment.parts {
                switch part {
                case .text(let text): sql += text
                case .value(let value, let type):
                    bindings.append(encoded: value, type: type)
                    appendPlaceholder()
                }
            }
        }

        /// Splices a double-quoted identifier (a schema, table or channel name from the program).
        public mutating func appendInterpolation(identifier: String) {
            sql += PostgresQuery.quoteIdentifier(identifier)
        }
    }

    /// Quotes an identifier the way `quote_ident` does: wrapped in `"` with inner quotes doubled.
    public static func quoteIdentifier(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// The parameters of a statement: each value's text form (nil for NULL) and type.
public struct PostgresBindings: Sendable {
    public private(set) var values: [String?]
    public private(set) var types: [PostgresDataType]

    public init(capacity: Int = 0) {
        values = []
        types = []
        values.reserveCapacity(capacity)
        types.reserveCapacity(capacity)
    }

    public var count: Int { values.count }

    public mutating func append<Value: PostgresEncodable>(_ value: Value) {
        values.append(value.encodeText())
        types.append(Value.postgresType)
    }

    mutating func append(encoded value: String?, type: PostgresDataType) {
        values.append(value)
        types.append(type)
    }
}

/// A piece of SQL with bound values, to splice into a `PostgresQuery` (a visibility condition
/// shared by many statements, say). Interpolated values stay parameters; literal text is the
/// program's own.
public struct SQLFragment: Sendable, ExpressibleByStringInterpolation {
    enum Part: Sendable {
        case text(String)
        case value(String?, PostgresDataType)
    }

    var parts: [Part]

    public init(stringLiteral value: String) { parts = [.text(value)] }

    public init(stringInterpolation: StringInterpolation) { parts = stringInterpolation.parts }

    /// `fragments` with `separator` (program text, like `" AND "`) between them.
    public init(joining fragments: [SQLFragment], separator: StaticString) {
        parts = []
        for (index, fragment) in fragments.enumerated() {
            if index > 0 { parts.append(.text(separator.description)) }
            parts.append(contentsOf: fragment.parts)
        }
    }

    public struct StringInterpolation: StringInterpolationProtocol {
        var parts: [Part] = []

        public init(literalCapacity: Int, interpolationCount: Int) {}

        public mutating func appendLiteral(_ literal: String) { parts.append(.text(literal)) }

        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value) {
            parts.append(.value(value.encodeText(), Value.postgresType))
        }

        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value?) {
            parts.append(.value(value?.encodeText(), Value.postgresType))
        }

        public mutating func appendInterpolation(sql fragment: StaticString) {
            parts.append(.text(fragment.description))
        }

        public mutating func appendInterpolation(_ fragment: SQLFragment) {
            parts.append(contentsOf: fragment.parts)
        }

        /// Splices a double-quoted identifier (a schema or table name from the program).
        public mutating func appendInterpolation(identifier: String) {
            parts.append(.text(PostgresQuery.quoteIdentifier(identifier)))
        }
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        guard contains(target) else { return self }
        return split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
