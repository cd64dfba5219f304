import EventBus
import Foundation
import Postgres
import Testing

@Suite("Event contracts: catalogue entries read from the type")
struct EventContractTests {
    struct Sample: EventContract {
        static let type = "test.sample.recorded"
        static let version = 2
        static let topic = "test.sample"
        static let summary = "Every kind of field."

        struct Nested: Codable, Sendable { let a: Int }

        enum Colour: String, EventValue {
            case red, deepBlue = "deep_blue"
        }

        let sampleId: UUID
        let name: String
        let count: Int
        let small: Int16?
        let ratio: Double
        let active: Bool
        let on: CalendarDate
        let until: CalendarDate?
        let at: Date
        let tags: [String]
        let nested: Nested?
        let colour: Colour
        let shade: Colour?
        var key: String { sampleId.lowercasedString }
    }

    @Test func fieldsComeInDeclarationOrderWithTheirKindsAndOptionality() {
        let definition = EventDefinition(Sample.self)
        #expect(definition.type == "test.sample.recorded" && definition.version == 2 && definition.topic == "test.sample")
        #expect(definition.summary == "Every kind of field.")
        #expect(
            definition.fields == [
                .init("sampleId", .uuid), .init("name", .string), .init("count", .integer), .init("small", .integer, required: false),
                .init("ratio", .number), .init("active", .boolean), .init("on", .date), .init("until", .date, required: false),
                .init("at", .timestamp), .init("tags", .array), .init("nested", .object, required: false),
                .init("colour", .string, values: ["red", "deep_blue"]), .init("shade", .string, required: false, values: ["red", "deep_blue"]),
            ])
    }

    @Test func aPublishedContractPassesItsOwnDefinitionAndAWrongPayloadDoesNot() throws {
        let definition = EventDefinition(Sample.self)
        let event = Sample(
            sampleId: UUID(), name: "Đặng Văn Ân", count: 3, small: nil, ratio: 0.5, active: true,
            on: CalendarDate("2026-07-01")!, until: nil, at: Date(timeIntervalSince1970: 1_780_000_000), tags: ["a"],
            nested: .init(a: 1), colour: .deepBlue, shade: nil)
        let encoded = try JSONEncoder.iso8601.encode(event)
        #expect(definition.problems(in: try JSONValue.parse(String(decoding: encoded, as: UTF8.self))) == [])
        #expect(definition.problems(in: try JSONValue.parse(#"{"sampleId": "x", "name": 1}"#)).contains("sampleId: expected uuid"))
        var payload = try JSONValue.parse(String(decoding: encoded, as: UTF8.self))
        if case .object(var members) = payload {
            members["colour"] = .string("green")
            payload = .object(members)
        }
        #expect(definition.problems(in: payload) == ["colour: expected one of red, deep_blue"])
    }
}

private extension JSONEncoder {
    static var iso8601: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }
}
