import Foundation
import ServiceKit
import Testing

@Suite("Trimming white space without NSString")
struct TextTrimmingTests {
    @Test func trimsLikeFoundationOnAwkwardText() {
        let samples = [
            "", " ", "\t\n\r ", "Nguyễn Văn An", "  Nguyễn Văn An  ", "\u{00A0}Lê Thị Hà\u{3000}", "\u{2028}x\u{2029}",
            "a", " a", "a ", "Đặng\tÂn", "\n\nĐ\n\n", "\u{200B}zero width\u{200B}", "x\u{0085}", "\u{FEFF}bom",
        ]
        for sample in samples {
            #expect(sample.trimmingWhitespace() == sample.trimmingCharacters(in: .whitespacesAndNewlines), "\(sample.debugDescription)")
            #expect(sample[...].trimmingWhitespace() == sample.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }
}
