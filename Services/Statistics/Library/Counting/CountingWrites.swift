import Foundation
import Postgres
import ReferralsContracts
import RegistryContracts
import TreatmentContracts

/// Applies changes to the counting tables in a few statements, with the same effect as applying
/// each in turn: the writes are put in rounds, each holding at most one write per row of each
/// table (the second write to a row goes in the next round, and so on), so that within a round
/// no two writes touch the same row and each kind of write runs as one statement. Writes to
/// different rows and different tables do not depend on one another; rounds run in order.
struct CountingWrites {
    let connection: PostgresConnection
    var tables = CountingTables.live

    /// Until the transaction ends, plans every statement for its parameters: for a rebuild's
    /// fresh tables during its catch-up (the replay has its own settings), so that a generic plan
    /// cached while they were small (scanning them whole) would not serve every later batch. The live
    /// tables' generic plans look rows up by their keys whatever the arrays' length.
    func planEachStatement() async throws {
        try await connection.query("SET LOCAL plan_cache_mode = force_custom_plan")
    }

    /// The writes of one round.
    struct Round {
        var people: [PersonEvents.Registered] = []
        var personChanges: [PersonEvents.Changed] = []
        var residences: [CountingStore.Residence] = []
        var statuses: [PersonEvents.StatusChanged] = []
        var referrals: [ReferralEvents.Changed] = []
        var steps: [ReferralEvents.StepRecorded] = []
        var determinations: [TreatmentEvents.DeterminationRecorded] = []
        var episodeStarts: [TreatmentEvents.EpisodeStarted] = []
        var episodeEnds: [TreatmentEvents.EpisodeEnded] = []
        var aftercareStarts: [TreatmentEvents.AftercareStarted] = []
        var aftercareEnds: [TreatmentEvents.AftercareEnded] = []
        var relapses: [TreatmentEvents.RelapseRecorded] = []
        var cases: [ReferralEvents.CaseChanged] = []
        var counselling: [ReferralEvents.CounsellingGiven] = []
        var programmes: [ProgrammeEvents.Recorded] = []
    }

    /// What decides whether two writes touch the same rows: the table and the row's key (a
    /// status change rewrites all of its person's statuses, so its key is the person).
    private struct Row: Hashable {
        enum Table {
            case people, residences, statuses, referrals, steps, determinations, episodes, aftercare, relapses, cases, counselling, programmes
        }
        let table: Table
        let id: UUID
        var detail = ""
    }

    /// `changes` (in log order) in rounds.
    static func rounds(_ changes: [CountingChange]) -> [Round] {
        var rounds: [Round] = []
        var writes: [Row: Int] = [:]
        writes.reserveCapacity(changes.count * 2)
        func round(_ row: Row) -> Int {
            let index = writes[row, default: 0]
            writes[row] = index + 1
            if index == rounds.count { rounds.append(Round()) }
            return index
        }
        for change in changes {
            switch change {
            case .registered(let event):
                let first = round(Row(table: .people, id: event.personId))
                rounds[first].people.append(event)
                let second = round(Row(table: .residences, id: event.personId, detail: event.residenceSince.description))
                rounds[second].residences.append(
                    .init(
                        person: event.personId, from: event.residenceSince, commune: event.communeCode, province: event.provinceCode,
                        legacyCommune: event.legacyCommuneCode))
            case .changed(let event):
                let index = round(Row(table: .people, id: event.personId))
                rounds[index].personChanges.append(event)
            case .moved(let event):
                let index = round(Row(table: .residences, id: event.personId, detail: event.movedOn.description))
                rounds[index].residences.append(
                    .init(
                        person: event.personId, from: event.movedOn, commune: event.toCommuneCode, province: event.toProvinceCode,
                        legacyCommune: event.toLegacyCommuneCode))
            case .status(let event):
                let index = round(Row(table: .statuses, id: event.personId))
                rounds[index].statuses.append(event)
            case .referral(let event):
                let index = round(Row(table: .referrals, id: event.referralId))
                rounds[index].referrals.append(event)
            case .step(let event):
                let index = round(Row(table: .steps, id: event.referralId, detail: event.step))
                rounds[index].steps.append(event)
            case .determination(let event):
                let index = round(Row(table: .determinations, id: event.determinationId))
                rounds[index].determinations.append(event)
            case .episodeStarted(let event):
                let index = round(Row(table: .episodes, id: event.episodeId))
                rounds[index].episodeStarts.append(event)
            case .episodeEnded(let event):
                let index = round(Row(table: .episodes, id: event.episodeId))
                rounds[index].episodeEnds.append(event)
            case .aftercareStarted(let event):
                let index = round(Row(table: .aftercare, id: event.aftercareId))
                rounds[index].aftercareStarts.append(event)
            case .aftercareEnded(let event):
                let index = round(Row(table: .aftercare, id: event.aftercareId))
                rounds[index].aftercareEnds.append(event)
            case .relapse(let event):
                let index = round(Row(table: .relapses, id: event.relapseId))
                rounds[index].relapses.append(event)
            case .reintegrationCase(let event):
                let index = round(Row(table: .cases, id: event.caseId))
                rounds[index].cases.append(event)
            case .counselling(let event):
                let index = round(Row(table: .counselling, id: event.counsellingId))
                rounds[index].counselling.append(event)
            case .programme(let event):
                let index = round(Row(table: .programmes, id: event.recordId))
                rounds[index].programmes.append(event)
            }
        }
        return rounds
    }

    /// Applies `changes` (in log order) to the counting tables.
    func apply(_ changes: [CountingChange]) async throws {
        let counting = CountingStore(connection: connection, tables: tables)
        let treatment = TreatmentCountingStore(connection: connection, tables: tables)
        let reintegration = ReintegrationCountingStore(connection: connection, tables: tables)
        for round in Self.rounds(changes) {
            try await counting.savePeople(round.people)
            try await counting.updatePeople(round.personChanges)
            try await counting.saveResidences(round.residences)
            try await counting.applyStatuses(round.statuses)
            try await counting.saveReferrals(round.referrals)
            try await treatment.saveSteps(round.steps)
            try await treatment.saveDeterminations(round.determinations)
            try await treatment.saveStarts(round.episodeStarts)
            try await treatment.saveEnds(round.episodeEnds)
            try await treatment.saveAftercare(round.aftercareStarts)
            try await treatment.endAftercare(round.aftercareEnds)
            try await treatment.saveRelapses(round.relapses)
            try await reintegration.saveCases(round.cases)
            try await reintegration.saveCounselling(round.counselling)
            try await reintegration.saveProgrammes(round.programmes)
        }
    }
}
