import ServiceKit
import Testing

/// An upload is parsed as it arrives: pieces of any size, cut anywhere (inside a quoted field, a
/// `""` escape, a CRLF, a multi-byte character, the byte-order mark), give the same records as
/// the whole file.
@Suite("CSV read in pieces")
struct CSVParserTests {
    static let file: [UInt8] =
        [0xEF, 0xBB, 0xBF]
        + Array(
            """
            full_name,notes,address\r
            "Nguyễn ""Bé"" An","dòng 1
            dòng 2",Hà Nội\r
            Lê Văn Bình,,"Ngõ 5, phố Huế"
            ,,
            "" ,x,"a""b"

            """.utf8) + Array("Trần,".utf8) + [0xC3, 0x28] + Array(",last".utf8)

    static func records(_ parser: inout CSVParser) -> [String] {
        var out: [String] = []
        while let record = parser.next() { out.append("\(record.line)|\(record.fields.joined(separator: "¦"))|\(record.malformed)") }
        return out
    }

    static func parse(inPiecesOf size: Int) -> [String] {
        var parser = CSVParser()
        var out: [String] = []
        var start = 0
        while start < file.count {
            parser.feed(file[start..<min(start + size, file.count)])
            out += records(&parser)
            start += size
        }
        parser.end()
        return out + records(&parser)
    }

    @Test func piecesOfEverySizeGiveTheRecordsOfTheWholeFile() {
        let whole = Array(CSVReader(bytes: Self.file)).map { "\($0.line)|\($0.fields.joined(separator: "¦"))|\($0.malformed)" }
        #expect(
            whole == [
                "1|full_name¦notes¦address|[]", "2|Nguyễn \"Bé\" An¦dòng 1\ndòng 2¦Hà Nội|[]", "4|Lê Văn Bình¦¦Ngõ 5, phố Huế|[]",
                "5|¦¦|[]", "6| ¦x¦a\"b|[]", "7|Trần¦\u{FFFD}(¦last|[1]",
            ], "\(whole)")
        for size in [1, 2, 3, 5, 7, 64, Self.file.count] {
            #expect(Self.parse(inPiecesOf: size) == whole, "pieces of \(size) bytes")
        }
    }

    @Test func aFileEndingInsideAQuotedFieldOrWithoutALineBreakEndsItsLastRecord() {
        var parser = CSVParser()
        parser.feed(Array("a,\"b\"".utf8))
        #expect(parser.next() == nil)
        parser.end()
        #expect(parser.next()?.fields == ["a", "b"])
        #expect(parser.next() == nil)
    }
}
