import CLibPQ

/// The rows a statement returned, held in libpq's result without copying.
///
/// Immutable and safe to share between tasks.
public final class PostgresRows: Sequence, @unchecked Sendable {
    /// A result column: its name and type.
    public struct Column: Sendable, Hashable {
        public let name: String
        public let type: PostgresDataType
    }

    private let result: OpaquePointer
    public let count: Int
    public let columnCount: Int

    init(result: OpaquePointer) {
        self.result = result
        self.count = Int(PQntuples(result))
        self.columnCount = Int(PQnfields(result))
    }

    /// The result's columns, in order.
    public var columns: [Column] { (0..<columnCount).map(column) }

    /// Rows inserted, updated or deleted, or returned, as the server's command tag reports them.
    public var affectedRows: Int { Int(String(cString: PQcmdTuples(result))) ?? 0 }

    /// The server's command tag: `INSERT 0 1`, `COMMIT`, or `ROLLBACK` for a `COMMIT` of a failed transaction.
    public var commandTag: String { String(cString: PQcmdStatus(result)) }

    public func column(_ index: Int) -> Column {
        Column(name: String(cString: PQfname(result, Int32(index))), type: columnType(index))
    }

    func columnType(_ index: Int) -> PostgresDataType { PostgresDataType(PQftype(result, Int32(index))) }

    deinit { PQclear(result) }

    public var isEmpty: Bool { count == 0 }

    public subscript(index: Int) -> PostgresRow { PostgresRow(rows: self, index: index) }

    public var first: PostgresRow? { count > 0 ? self[0] : nil }

    public func makeIterator() -> Iterator { Iterator(rows: self) }

    public struct Iterator: IteratorProtocol {
        let rows: PostgresRows
        var index = 0
        public mutating func next() -> PostgresRow? {
            guard index < rows.count else { return nil }
            defer { index += 1 }
            return rows[index]
        }
    }

    /// The index of the column named `name`, or nil.
    public func columnIndex(_ name: String) -> Int? {
        let index = PQfnumber(result, PostgresQuery.quoteIdentifier(name))
        return index < 0 ? nil : Int(index)
    }

    func withValue<T>(row: Int, column: Int, _ body: (UnsafeBufferPointer<UInt8>?) throws -> T) rethrows -> T {
        if PQgetisnull(result, Int32(row), Int32(column)) == 1 { return try body(nil) }
        let length = Int(PQgetlength(result, Int32(row), Int32(column)))
        let pointer = PQgetvalue(result, Int32(row), Int32(column))!
        return try pointer.withMemoryRebound(to: UInt8.self, capacity: length) {
            try body(UnsafeBufferPointer(start: $0, count: length))
        }
    }
}

/// One row of a result.
public struct PostgresRow: Sendable {
    public let rows: PostgresRows
    public let index: Int

    /// Decodes column `column` (zero-based) as `T`; a NULL decodes only into an optional.
    public func decode<T: PostgresDecodable>(_ type: T.Type = T.self, at column: Int) throws -> T {
        guard column >= 0, column < rows.columnCount else {
            throw PostgresDecodingError(
                column: "#\(column)", columnIndex: column, postgresType: .unknown, swiftType: "\(T.self)",
                reason: .missingColumn)
        }
        let type = rows.columnType(column)
        do {
            return try rows.withValue(row: index, column: column) { bytes in
                guard let bytes else { return try T.decodeNull() }
                return try T.decode(text: bytes, type: type)
            }
        } catch let failure as PostgresDecodingFailure {
            throw PostgresDecodingError(
                column: rows.column(column).name, columnIndex: column, postgresType: type, swiftType: "\(T.self)",
                reason: PostgresDecodingError.Reason(failure))
        }
    }

    /// Decodes the column named `column` as `T`.
    public func decode<T: PostgresDecodable>(_ type: T.Type = T.self, column: String) throws -> T {
        guard let position = rows.columnIndex(column) else {
            throw PostgresDecodingError(
                column: column, columnIndex: -1, postgresType: .unknown, swiftType: "\(T.self)",
                reason: .missingColumn)
        }
        return try decode(T.self, at: position)
    }

    /// Decodes the leading columns, in order, as a tuple: `row.decode((UUID, String, Int?).self)`.
    public func decode<each Column: PostgresDecodable>(_ types: (repeat each Column).Type) throws -> (repeat each Column) {
        var position = 0
        func next<T: PostgresDecodable>(_ type: T.Type) throws -> T {
            defer { position += 1 }
            return try decode(T.self, at: position)
        }
        return (repeat try next((each Column).self))
    }

    /// Column `column` as an integer: `decode(Int.self, at:)` compiled for `Int`, without the
    /// generic call's dispatch, for loops over many rows.
    public func integer(at column: Int) throws -> Int { try decode(Int.self, at: column) }

    /// Column `column` as its text: `decode(String.self, at:)` compiled for `String`.
    public func text(at column: Int) throws -> String { try decode(String.self, at: column) }

    /// True when the column is SQL NULL.
    public func isNull(at column: Int) -> Bool { rows.withValue(row: index, column: column) { $0 == nil } }
}

/// A column that could not be decoded into the requested Swift type. Never carries the value.
public struct PostgresDecodingError: Error, Sendable, CustomStringConvertible {
    public enum Reason: String, Sendable {
        case unexpectedNull = "unexpected NULL"
        case typeMismatch = "type mismatch"
        case malformed = "malformed value"
        case missingColumn = "no such column"

        init(_ failure: PostgresDecodingFailure) {
            switch failure {
            case .unexpectedNull: self = .unexpectedNull
            case .typeMismatch: self = .typeMismatch
            case .malformed: self = .malformed
            }
        }
    }

    public let column: String
    public let columnIndex: Int
    public let postgresType: PostgresDataType
    public let swiftType: String
    public let reason: Reason

    public var description: String {
        "cannot decode column \"\(column)\" of type \(postgresType) as \(swiftType): \(reason.rawValue)"
    }
}
