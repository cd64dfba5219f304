import Postgres
import Testing

@testable import Statistics

/// What a batch of events adds to the live aggregates: the difference between its people's
/// contributions before and after it, several people's rows summed per key.
@Suite("Statistics: the difference a batch makes to the aggregates")
struct TallyDifferenceTests {
    static let day = CalendarDate(year: 2025, month: 3, day: 1)!

    static func tally(_ area: String, entered: Int, exited: Int = 0) -> Tally {
        Tally(
            key: .init(measure: "in_treatment", dimension: "", value: "", areaCode: area, day: day), parentCode: area == "VN" ? "VN" : "01",
            entered: entered, exited: exited, exitedFirst: 0, amount: 0)
    }

    @Test func rowsOfSeveralPeopleAreSummedPerKey() {
        // Two people entering on the same day in two communes: the country's row counts both.
        let before: [Tally] = []
        let after = [Self.tally("00004", entered: 1), Self.tally("VN", entered: 1), Self.tally("00007", entered: 1), Self.tally("VN", entered: 1)]
        let difference = Tally.difference(from: before, to: after)
        #expect(difference.map(\.key.areaCode) == ["00004", "00007", "VN"])
        #expect(difference.first { $0.key.areaCode == "VN" }?.entered == 2)
    }

    @Test func unchangedRowsCancelAndChangesAreKept() {
        // One person unchanged, one leaving: only the leaver's exit remains.
        let before = [Self.tally("00004", entered: 1), Self.tally("VN", entered: 1), Self.tally("00007", entered: 1), Self.tally("VN", entered: 1)]
        let after = [
            Self.tally("00004", entered: 1), Self.tally("VN", entered: 1), Self.tally("00007", entered: 1, exited: 1),
            Self.tally("VN", entered: 1, exited: 1),
        ]
        let difference = Tally.difference(from: before, to: after)
        #expect(difference.map(\.key.areaCode) == ["00007", "VN"])
        #expect(difference.allSatisfy { $0.entered == 0 && $0.exited == 1 })
    }
}
