@testable import EventBus
import Foundation
import Testing

@Suite("Encoding events straight into JSON values")
struct JSONValueEncoderTests {
    struct Inner: Codable, Equatable {
        let code: String
        let counts: [Int]
    }

    enum Kind: String, Codable { case job, loan }

    struct Sample: Codable, Equatable {
        let id: UUID
        let name: String
        let amount: Int64
        let ratio: Double
        let when: Date
        let kind: Kind
        let flag: Bool
        let missing: String?
        let present: String?
        let inner: Inner
        let list: [Inner]
        let tags: Set<String>
        let table: [String: Int]
    }

    static let sample = Sample(
        id: UUID(uuidString: "0B7C2B6E-9A51-4A53-8E0B-2F7C0D9E1A11")!, name: "Nguyễn Thị Ánh \"Tuyết\"\n\\ /\u{01}",
        amount: 9_007_199_254_740_992, ratio: 0.1, when: Date(timeIntervalSince1970: 1_764_000_000), kind: .loan, flag: true,
        missing: nil, present: "có", inner: Inner(code: "00004", counts: [1, -2, 0]),
        list: [Inner(code: "a", counts: []), Inner(code: "b", counts: [3])], tags: ["x"], table: ["b": 2, "a": 1])

    @Test func agreesWithJSONEncoderAndItsTextReadsBackTheSame() throws {
        let reference = JSONEncoder()
        reference.dateEncodingStrategy = .iso8601
        let expected = try JSONValue.parse(try reference.encode(Self.sample))
        let value = try JSONValueEncoder().encode(Self.sample)
        #expect(value == expected)
        #expect(try JSONValue.parse(value.text) == value)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        #expect(try decoder.decode(Sample.self, from: Data(value.text.utf8)) == Self.sample)
        // Stable text: sorted keys, integers without a fraction, nil optionals left out.
        #expect(
            value.text.hasPrefix(
                #"{"amount":9007199254740992,"flag":true,"id":"0B7C2B6E-9A51-4A53-8E0B-2F7C0D9E1A11","inner":{"code":"00004","counts":[1,-2,0]},"#))
        #expect(!value.text.contains("missing"))
        #expect(value.text.contains(#""name":"Nguyễn Thị Ánh \"Tuyết\"\n\\ /\u0001""#))
    }

    struct Big: Encodable { let value: Int64 }
    struct NotANumber: Encodable { let value: Double }

    @Test func refusesNumbersJSONCannotCarryExactly() {
        #expect(throws: EncodingError.self) { try JSONValueEncoder().encode(Big(value: 9_007_199_254_740_993)) }
        #expect(throws: EncodingError.self) { try JSONValueEncoder().encode(NotANumber(value: .nan)) }
        #expect(throws: EncodingError.self) { try JSONValueEncoder().encode(NotANumber(value: .infinity)) }
    }
}
