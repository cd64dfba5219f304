import Foundation
import Postgres
import TestSupport
import Testing

@Suite("Values round-trip through the server unchanged")
struct TypeRoundTripTests {
    /// Binds `value` as `$1::type` and decodes it back.
    func roundTrip<T: PostgresEncodable & PostgresDecodable>(_ value: T, as type: String, on connection: PostgresConnection) async throws -> T {
        let rows = try await connection.query(
            PostgresQuery(
                unsafeSQL: "SELECT $1::\(type) AS value",
                bindings: {
                    var bindings = PostgresBindings()
                    bindings.append(value)
                    return bindings
                }()))
        return try rows[0].decode(T.self, column: "value")
    }

    @Test func textWithVietnameseDiacriticsAndControlCharacters() async throws {
        try await withTestDatabase("types_text") { database in
            let connection = try await database.connect()
            for name in ["Nguyễn Thị Hồng Nhung", "Đặng Văn Ất", "Ỷ Lan ỹ ữ ự", "", "tab\tnew\nline", "emoji 🇻🇳", "quote ' and \" and \\"] {
                #expect(try await roundTrip(name, as: "text", on: connection) == name)
            }
            // Composed and decomposed forms stay as sent: nothing normalizes behind the caller's back.
            let decomposed = "Nguye\u{0302}\u{0303}n"
            #expect(try await roundTrip(decomposed, as: "text", on: connection).unicodeScalars.count == decomposed.unicodeScalars.count)
            await connection.close()
        }
    }

    @Test func integersBoolsAndFloats() async throws {
        try await withTestDatabase("types_numbers") { database in
            let connection = try await database.connect()
            for value in [Int.min, -1, 0, 42, Int.max] { #expect(try await roundTrip(value, as: "int8", on: connection) == value) }
            for value in [Int32.min, 7, Int32.max] { #expect(try await roundTrip(value, as: "int4", on: connection) == value) }
            for value in [Int16.min, Int16.max] { #expect(try await roundTrip(value, as: "int2", on: connection) == value) }
            #expect(try await roundTrip(true, as: "bool", on: connection) == true)
            #expect(try await roundTrip(false, as: "bool", on: connection) == false)
            for value in [0.1, -2.5e-300, 1.7976931348623157e308, Double.infinity, -Double.infinity] {
                #expect(try await roundTrip(value, as: "float8", on: connection) == value)
            }
            #expect(try await roundTrip(Double.nan, as: "float8", on: connection).isNaN)
            await connection.close()
        }
    }

    @Test func numericUUIDDateTimestampBytea() async throws {
        try await withTestDatabase("types_misc") { database in
            let connection = try await database.connect()
            for text in ["0", "-12.50", "12345678901234567890.123456789", "0.000001"] {
                let value = Decimal(string: text)!
                #expect(try await roundTrip(value, as: "numeric", on: connection) == value)
            }
            let id = UUID()
            #expect(try await roundTrip(id, as: "uuid", on: connection) == id)
            for date in [
                CalendarDate(year: 2024, month: 2, day: 29)!, CalendarDate(year: 1, month: 1, day: 1)!, CalendarDate(year: 9999, month: 12, day: 31)!,
            ] {
                #expect(try await roundTrip(date, as: "date", on: connection) == date)
            }
            for seconds in [0.0, 1_700_000_000.123456, -86_400.5, 4_102_444_800.000001] {
                let instant = Date(timeIntervalSince1970: seconds)
                let back = try await roundTrip(instant, as: "timestamptz", on: connection)
                #expect(abs(back.timeIntervalSince1970 - seconds) < 0.000_001)
            }
            let bytes = Data((0...255).map { UInt8($0) })
            #expect(try await roundTrip(bytes, as: "bytea", on: connection) == bytes)
            #expect(try await roundTrip(Data(), as: "bytea", on: connection) == Data())
            await connection.close()
        }
    }

    @Test func timestampsFromOtherZonesAreTheSameInstant() async throws {
        try await withTestDatabase("types_zone") { database in
            let connection = try await database.connect()
            let rows = try await connection.query("SELECT '2024-03-01 07:00:00+07'::timestamptz, '2024-03-01'::date")
            let (instant, day) = try rows[0].decode((Date, CalendarDate).self)
            #expect(instant == Date(timeIntervalSince1970: 1_709_251_200))
            #expect(day.description == "2024-03-01")
            await connection.close()
        }
    }

    struct Contact: Codable, Equatable, Sendable {
        let name: String
        let phones: [String]
        let visited: CalendarDate?
    }

    @Test func jsonbIntoCodable() async throws {
        try await withTestDatabase("types_json") { database in
            let connection = try await database.connect()
            let contact = Contact(name: "Lê Thị Thu Hà", phones: ["0912 345 678"], visited: CalendarDate(year: 2023, month: 7, day: 1))
            let back = try await roundTrip(try JSONB(contact), as: "jsonb", on: connection)
            #expect(back.value == contact)
            let rows = try await connection.query("SELECT \(try JSONB(contact))::jsonb ->> 'name'")
            #expect(try rows[0].decode(String.self, at: 0) == "Lê Thị Thu Hà")
            await connection.close()
        }
    }

    @Test func uuidTextIsFoundationsInLowerCase() {
        let edges = [
            UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)),
            UUID(uuid: (255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255)),
        ]
        for id in edges + (0..<1000).map({ _ in UUID() }) {
            #expect(id.lowercasedString == id.uuidString.lowercased())
        }
    }

    @Test func arraysWithNullsAndAwkwardStrings() async throws {
        try await withTestDatabase("types_arrays") { database in
            let connection = try await database.connect()
            let strings: [String?] = [
                "a", "with,comma", "with \"quotes\"", "back\\slash", "{braces}", "NULL", nil, "", " spaced ", "Hồ Chí Minh", "Đặng \"Văn\" \\ Ân",
            ]
            #expect(try await roundTrip(strings, as: "text[]", on: connection) == strings)
            #expect(try await roundTrip([1, -2, Int.max], as: "int8[]", on: connection) == [1, -2, Int.max])
            #expect(try await roundTrip([Int](), as: "int8[]", on: connection) == [])
            let ids = [UUID(), UUID()]
            #expect(try await roundTrip(ids, as: "uuid[]", on: connection) == ids)
            let dates = [CalendarDate(year: 2022, month: 1, day: 1)!, CalendarDate(year: 2026, month: 6, day: 30)!]
            #expect(try await roundTrip(dates, as: "date[]", on: connection) == dates)
            #expect(try await roundTrip([true, false], as: "bool[]", on: connection) == [true, false])
            let blobs = [Data([0, 1, 2]), Data([255])]
            #expect(try await roundTrip(blobs, as: "bytea[]", on: connection) == blobs)
            await connection.close()
        }
    }

    @Test func nullDecodesOnlyIntoOptionals() async throws {
        try await withTestDatabase("types_null") { database in
            let connection = try await database.connect()
            let missing: String? = nil
            let rows = try await connection.query("SELECT \(missing)::text AS nickname, \(Optional<Int>.none)::int8 AS age")
            #expect(try rows[0].decode(String?.self, column: "nickname") == nil)
            #expect(try rows[0].decode(Int?.self, column: "age") == nil)
            #expect(rows[0].isNull(at: 0))
            let error = #expect(throws: PostgresDecodingError.self) { try rows[0].decode(String.self, column: "nickname") }
            #expect(error?.reason == .unexpectedNull)
            #expect(error?.description.contains("nickname") == true)
            await connection.close()
        }
    }

    @Test func decodeErrorNamesColumnAndBothTypesButNotTheValue() async throws {
        try await withTestDatabase("types_mismatch") { database in
            let connection = try await database.connect()
            let rows = try await connection.query("SELECT 'Phạm Văn Secret'::text AS full_name, 5::int4 AS count")
            let error = #expect(throws: PostgresDecodingError.self) { try rows[0].decode(Int.self, column: "full_name") }
            #expect(error?.description == "cannot decode column \"full_name\" of type text as Int: type mismatch")
            #expect(error?.description.contains("Secret") == false)
            #expect(throws: PostgresDecodingError.self) { try rows[0].decode(Bool.self, column: "count") }
            #expect(throws: PostgresDecodingError.self) { try rows[0].decode(Int.self, column: "no_such_column") }
            await connection.close()
        }
    }

    @Test func injectionStringsAreStoredVerbatim() async throws {
        try await withTestDatabase("types_injection") { database in
            let connection = try await database.connect()
            try await connection.query("CREATE TABLE people (name text NOT NULL)")
            let attacks = [
                "Robert'); DROP TABLE people;--",
                "' OR '1'='1",
                "$1",
                "\\'; SELECT pg_sleep(10); --",
                "x\u{0027}; DELETE FROM people; --",
            ]
            for attack in attacks { try await connection.query("INSERT INTO people (name) VALUES (\(attack))") }
            let rows = try await connection.query("SELECT name FROM people ORDER BY name")
            #expect(Set(try rows.map { try $0.decode(String.self, at: 0) }) == Set(attacks))
            let matched = try await connection.query("SELECT count(*) FROM people WHERE name = \("' OR '1'='1")")
            #expect(try matched[0].decode(Int.self, at: 0) == 1)
            await connection.close()
        }
    }

    @Test func affectedRowsAndPreparedStatementReuse() async throws {
        try await withTestDatabase("types_affected") { database in
            let connection = try await database.connect()
            try await connection.query("CREATE TABLE counter (n int8)")
            for n in 1...300 { try await connection.query("INSERT INTO counter (n) VALUES (\(n))") }
            let updated = try await connection.query("UPDATE counter SET n = n + 1 WHERE n > \(100)")
            #expect(updated.affectedRows == 200)
            let prepared = try await connection.query("SELECT count(*) FROM pg_prepared_statements")
            #expect(try prepared[0].decode(Int.self, at: 0) >= 2)
            // An unprepared statement is planned for its values each time and leaves nothing behind.
            let before = try await connection.query("SELECT count(*) FROM pg_prepared_statements")[0].decode(Int.self, at: 0)
            for limit in [1, 2, 3] {
                let query: PostgresQuery = "SELECT n FROM counter WHERE n > \(limit) ORDER BY n LIMIT \(limit)"
                #expect(try await connection.query(query.unprepared()).count == limit)
            }
            let after = try await connection.query("SELECT count(*) FROM pg_prepared_statements")[0].decode(Int.self, at: 0)
            #expect(after == before)
            await connection.close()
        }
    }
    @Test func manyParametersAndLookalikeStatementsStayApart() async throws {
        try await withTestDatabase("types_lookalike") { database in
            let connection = try await database.connect()
            // Seventy parameters: past the ready-made placeholders, each one bound in its place.
            let items = SQLFragment(joining: (1...70).map { n -> SQLFragment in "\(n * 3)::int8" }, separator: ", ")
            let query: PostgresQuery = "SELECT ARRAY[\(items)]"
            #expect(query.sql.hasSuffix("$64::int8, $65::int8, $66::int8, $67::int8, $68::int8, $69::int8, $70::int8]"))
            let values = try await connection.query(query)[0].decode([Int].self, at: 0)
            #expect(values == (1...70).map { $0 * 3 })
            let interpolated: PostgresQuery =
                "SELECT \(1)::int8 + \(2)::int8 + \(3)::int8 + \(4)::int8 + \(5)::int8 + \(6)::int8 + \(7)::int8 + \(8)::int8 + \(9)::int8 + \(10)::int8 + \(11)::int8"
            #expect(interpolated.sql.hasSuffix("$10::int8 + $11::int8"))
            #expect(try await connection.query(interpolated)[0].decode(Int.self, at: 0) == 66)
            // Texts of one length that differ in one byte, and one text with other parameter types,
            // are distinct prepared statements, however often each runs.
            for round in 0..<3 {
                #expect(try await connection.query("SELECT 1 + \(round)::int8")[0].decode(Int.self, at: 0) == 1 + round)
                #expect(try await connection.query("SELECT 2 + \(round)::int8")[0].decode(Int.self, at: 0) == 2 + round)
                #expect(try await connection.query("SELECT \("7")::text || 'x'")[0].decode(String.self, at: 0) == "7x")
                #expect(try await connection.query("SELECT \(7)::text || 'x'")[0].decode(String.self, at: 0) == "7x")
            }
            await connection.close()
        }
    }
}
