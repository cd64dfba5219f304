import EventBus
import Foundation
import Testing

@Suite("JSON parsing for payload checks")
struct JSONValueParsingTests {
    @Test(arguments: [
        #"{"personId":"0b7c","birthYear":1990,"substances":["heroin","methamphetamine"],"ethnicity":null,"ok":true}"#,
        #"  [ 0, -0, 1.5, -2.25e3, 1E-2, 12345678901234, {"a":{"b":[[],{}]}} ]  "#,
        #""Nguyễn Thị Ánh Tuyết \u0110\u1ed3ng \ud83d\ude00 \"quoted\" \\ \/ \b\f\n\r\t""#,
        #"{"":"","a b":"đ","nested":{"x":false}}"#,
        "[\"tab\\tand é ü\", 7]",
    ])
    func agreesWithFoundation(_ text: String) throws {
        let parsed = try JSONValue.parse(text)
        let reference = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        #expect(parsed == reference)
    }

    @Test(arguments: [
        "", " ", "{", "[1,]", #"{"a":1,}"#, "01", "1.", "-", "1e", ".5", "tru", "nul", #""\x""#, "\"a\nb\"",
        #""\ud800""#, #""\udc00""#, #""\u12""#, "[1] x", "{\"a\" 1}", "{1:2}", "'a'", "NaN", "1e999", "\"open",
    ])
    func refusesWhatIsNotJSON(_ text: String) {
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(text) }
    }

    @Test func refusesInvalidUTF8AndDeepNesting() {
        let invalid = Data([0x22, 0xC3, 0x28, 0x22])
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(invalid) }
        let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(deep) }
        let fine = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        #expect((try? JSONValue.parse(fine)) != nil)
    }
}
