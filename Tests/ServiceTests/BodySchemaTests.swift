import EventBus
import Foundation
import Postgres
import Testing

@testable import ServiceKit

/// A body's declared fields both check a request and document it: the checks here and the JSON
/// Schema they publish come from the same declaration.
@Suite("Declared request bodies and query parameters")
struct BodySchemaTests {
    static let member = BodySchema([.text("name", maxLength: 5, required: true), .text("role", maxLength: 10)])
    static let schema = BodySchema([
        .text("name", maxLength: 10, required: true),
        .oneOf("kind", ["a", "b"], required: true),
        BodySchema.Field("id", .uuid),
        BodySchema.Field("email", .formatted(.email, maxLength: 50)),
        BodySchema.Field("phone", .formatted(.phone, maxLength: 20)),
        BodySchema.Field("province", .formatted(.provinceCode)),
        BodySchema.Field("commune", .formatted(.communeCode)),
        BodySchema.Field("nationalId", .formatted(.nationalID)),
        .date("on"),
        .integer("count", 1...10),
        BodySchema.Field("year", .integer(minimum: 2000, maximum: .currentYear)),
        .boolean("active"),
        BodySchema.Field("tags", .array(.oneOf(["x", "y"]), maxCount: 2)),
        BodySchema.Field("place", .object(BodySchema([BodySchema.Field("commune", .formatted(.communeCode), required: true)]))),
        BodySchema.Field("members", .array(.object(member), maxCount: 3)),
    ])

    static func read(_ json: String, _ schema: BodySchema = schema) throws -> JSONFields {
        guard case .object(let object) = try JSONValue.parse(json) else { throw CancellationError() }
        return JSONFields(object, schema: schema)
    }

    static func problems(_ fields: JSONFields) -> [String: String] {
        Dictionary(fields.validator.errors.map { ($0.pointer, $0.detail) }, uniquingKeysWith: { first, _ in first })
    }

    @Test func aValidBodyReadsTrimmedWithNullsAndAbsences() throws {
        let fields = try Self.read(
            #"""
            {"name": "  Lê Hà ", "kind": "b", "id": "6F9619FF-8B86-D011-B42D-00C04FC964FF", "email": "a@b.vn", "phone": "+84 912.345.678",
             "province": "01", "commune": "00004", "nationalId": "001099012345", "on": "2026-07-01", "count": 10, "year": 2000,
             "active": false, "tags": ["y"], "place": {"commune": "79001"}, "members": [{"name": "An", "role": "lead"}]}
            """#)
        #expect(fields.validator.errors.isEmpty, "\(fields.validator.errors)")
        #expect(fields.string("name").value == "Lê Hà")
        #expect(fields.integer("count").value == 10)
        #expect(fields.bool("active").value == false)
        #expect(fields.date("on").value == CalendarDate("2026-07-01"))
        #expect(fields.stringArray("tags").value == ["y"])
        #expect(fields.object("place")?.string("commune").value == "79001")
        #expect(fields.objects("members").map { $0.string("role").value } == ["lead"])
        let nulls = try Self.read(#"{"name": "x", "kind": "a", "nationalId": null, "email": " "}"#)
        if case .null = nulls.string("nationalId") {} else { Issue.record("null reads as null") }
        if case .null = nulls.string("email") {} else { Issue.record("empty text reads as null") }
        if case .absent = try Self.read(#"{"name": "x", "kind": "a"}"#).string("email") {} else { Issue.record("absent reads as absent") }
    }

    @Test func everyInvalidFieldIsNamedWithItsReason() throws {
        let fields = try Self.read(
            #"""
            {"name": "   ", "kind": "c", "id": "nope", "email": "a@b", "phone": "12-34", "province": "1", "commune": "0000a",
             "nationalId": "12345", "on": "2026-7-1", "count": 11, "year": 9999, "active": "yes", "tags": ["x", "z", "y"],
             "place": {"commune": null, "extra": 1}, "members": [{"name": "Nguyễn Văn"}, {"role": "x"}, 3], "colour": "red"}
            """#)
        let problems = Self.problems(fields)
        #expect(problems["/name"] == "must not be empty")
        #expect(problems["/kind"] == "must be one of a, b")
        #expect(problems["/id"] == "must be a UUID")
        #expect(problems["/email"] == "must be an e-mail address")
        #expect(problems["/phone"] == "must be a phone number of 8 to 20 digits")
        #expect(problems["/province"] == "must be a 2-digit province code")
        #expect(problems["/commune"] == "must be a 5-digit commune code")
        #expect(problems["/nationalId"] == "must be 9 or 12 digits")
        #expect(problems["/on"] == "must be a date written YYYY-MM-DD")
        #expect(problems["/count"] == "must be from 1 to 10")
        #expect(problems["/year"] == "must be from 2000 to \(CalendarDate.today().year)")
        #expect(problems["/active"] == "must be true or false")
        #expect(problems["/tags"] == "must have at most 2 items")
        #expect(problems["/place/commune"] == "is required")
        #expect(problems["/place/extra"] == "is not a field of this request")
        #expect(problems["/members/0/name"] == "must be at most 5 characters")
        #expect(problems["/members/1/name"] == "is required")
        #expect(problems["/members/2"] == "must be an object")
        #expect(problems["/colour"] == "is not a field of this request")
        #expect(problems.count == 19, "\(problems)")
        // A refused value reads as absent: a handler never sees it.
        if case .absent = fields.string("kind") {} else { Issue.record("a refused value must read as absent") }
        #expect(fields.object("place") == nil)
        #expect(fields.objects("members").isEmpty)
        #expect(throws: ProblemDetails.self) { try fields.finish() }
    }

    @Test func missingRequiredFieldsAndWrongTypesAreNamed() throws {
        let problems = Self.problems(try Self.read(#"{"kind": null, "count": 1.5, "tags": "x", "place": [], "members": [null]}"#))
        #expect(
            problems == [
                "/name": "is required", "/kind": "is required", "/count": "must be a whole number", "/tags": "must be an array",
                "/place": "must be an object", "/members/0": "must not be null",
            ])
        // A change (PATCH) declares the same fields, none required.
        #expect(Self.problems(try Self.read(#"{"count": 2}"#, Self.schema.allOptional)).isEmpty)
    }

    @Test func queryValuesAreCheckedByTheSameSchemas() {
        var validator = FieldValidator()
        #expect(ValueSchema.integer(1...200).check(query: "200", at: "?limit", &validator) == "200")
        #expect(ValueSchema.integer(1...200).check(query: "0", at: "?limit", &validator) == nil)
        #expect(ValueSchema.integer(1...200).check(query: "ten", at: "?n", &validator) == nil)
        #expect(ValueSchema.boolean.check(query: "yes", at: "?inactive", &validator) == nil)
        #expect(ValueSchema.date.check(query: "2026-02-30", at: "?on", &validator) == nil)
        #expect(ValueSchema.dateTime.check(query: "2026-01-31T00:00:00Z", at: "?from", &validator) != nil)
        #expect(ValueSchema.formatted(.searchText(letters: 3...100)).check(query: "Đỗ", at: "?q", &validator) == nil)
        #expect(ValueSchema.formatted(.searchText(letters: 3...100)).check(query: "Đỗ Hà", at: "?q", &validator) != nil)
        #expect(
            validator.errors.map(\.pointer) == ["?limit", "?n", "?inactive", "?on", "?q"]
                && validator.errors.first?.detail == "must be from 1 to 200")
    }

    @Test func theDocumentedSchemaIsTheCheckedOne() throws {
        let document = Self.schema.document()
        #expect(document["additionalProperties"] as? Bool == false)
        #expect(Set(document["required"] as? [String] ?? []) == ["name", "kind"])
        let properties = try #require(document["properties"] as? [String: [String: Any]])
        #expect(properties.count == Self.schema.fields.count)
        #expect(properties["name"]?["maxLength"] as? Int == 10)
        #expect(properties["kind"]?["enum"] as? [String] == ["a", "b"])
        #expect(properties["id"]?["format"] as? String == "uuid")
        #expect(properties["commune"]?["pattern"] as? String == "^[0-9]{5}$")
        #expect(properties["on"]?["format"] as? String == "date")
        #expect(properties["count"]?["minimum"] as? Int == 1 && properties["count"]?["maximum"] as? Int == 10)
        #expect(properties["tags"]?["maxItems"] as? Int == 2)
        let place = try #require(properties["place"])
        #expect(place["required"] as? [String] == ["commune"] && place["additionalProperties"] as? Bool == false)
        let members = try #require(properties["members"]?["items"] as? [String: Any])
        #expect(members["required"] as? [String] == ["name"])
        // A body chosen by a path parameter publishes one schema per value.
        let variants = DeclaredBody.json(by: "kind", [("a", Self.member), ("b", Self.schema)])
        #expect((variants.document["oneOf"] as? [Any])?.count == 2)
        #expect(variants.schema(parameters: { _ in "b" })?.fields.count == Self.schema.fields.count)
        #expect(variants.schema(parameters: { _ in "c" }) == nil)
    }
}
