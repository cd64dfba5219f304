import ContractValues
import Foundation
import Postgres
import RegistryContracts
import Testing
import TreatmentContracts

@testable import Statistics

/// How a batch of changes is put in rounds: at most one write per row of each table in a round,
/// a row's writes in log order across rounds.
struct CountingWritesTests {
    let person = UUID()
    let other = UUID()
    let aftercare = UUID()

    func day(_ number: Int) -> CalendarDate { CalendarDate(year: 2024, month: 1, day: number)! }

    func status(_ person: UUID, _ number: Int, _ status: ManagementStatus) -> CountingChange {
        .status(.init(personId: person, status: status, validFrom: day(number), validTo: nil, communeCode: "00004"))
    }

    @Test func aRowsSecondWriteWaitsForTheNextRoundAndOtherRowsDoNot() {
        let changes: [CountingChange] = [
            .registered(
                .init(
                    personId: person, communeCode: "00004", provinceCode: "01", residenceSince: day(1), sex: .female, birthYear: 1990,
                    ethnicity: nil, substances: ["heroin"], registeredOn: day(1))),
            status(person, 1, .drugUser),
            status(person, 5, .addicted),
            .changed(.init(personId: person, fields: ["sex"], sex: .male, birthYear: 1990, ethnicity: nil, substances: [])),
            .moved(.init(personId: person, fromCommuneCode: "00004", toCommuneCode: "00007", toProvinceCode: "01", movedOn: day(9))),
            status(other, 2, .drugUser),
            .aftercareStarted(
                .init(
                    aftercareId: aftercare, personId: person, episodeId: UUID(), form: .compulsory, startsOn: day(3), endsOn: day(30),
                    regime: "post_treatment", communeCode: "00004", provinceCode: "01")),
            .aftercareEnded(
                .init(aftercareId: aftercare, personId: person, status: .completed, endedOn: day(30), communeCode: "00004", provinceCode: "01")),
            status(person, 7, .inTreatment),
        ]
        let rounds = CountingWrites.rounds(changes)
        #expect(rounds.count == 3)
        // The registration's person and residence, the move (another residence row), the first
        // status of each person and the after-care's start, at once.
        #expect(rounds[0].people.map(\.personId) == [person])
        #expect(rounds[0].residences.map(\.from) == [day(1), day(9)])
        #expect(rounds[0].statuses.map(\.validFrom) == [day(1), day(2)])
        #expect(rounds[0].aftercareStarts.count == 1 && rounds[0].aftercareEnds.isEmpty)
        // The change of the registered person, their second status and the after-care's end after.
        #expect(rounds[1].personChanges.map(\.personId) == [person])
        #expect(rounds[1].statuses.map(\.validFrom) == [day(5)])
        #expect(rounds[1].aftercareEnds.map(\.aftercareId) == [aftercare])
        #expect(rounds[1].people.isEmpty && rounds[1].residences.isEmpty)
        #expect(rounds[2].statuses.map(\.validFrom) == [day(7)])
        #expect(rounds[2].personChanges.isEmpty && rounds[2].aftercareEnds.isEmpty)
    }

    @Test func oneChangeIsOneRound() {
        let rounds = CountingWrites.rounds([status(person, 1, .addicted)])
        #expect(rounds.count == 1)
        #expect(rounds[0].statuses.count == 1)
    }
}
