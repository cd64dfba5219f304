import Postgres
import Synchronization

/// The monthly aggregate rows one request reads, shared between its indicators: a read that
/// several of them make (people in after-care for three, admissions for two, in every CSV of
/// every indicator) is made once and summed by each into its own periods. Only the measures that
/// more than one of the request's indicators read (`shared`) are kept, for as long as the request
/// runs. A read another task is making is waited for rather than made again; if that task fails,
/// the waiter reads for itself. All readers must read in the same snapshot (the request's
/// transaction, or a helper that imported its snapshot), so that a kept read is what any of them
/// would have read.
final class AggregateReads: Sendable {
    /// What makes two reads the same: the statement's every parameter and its columns.
    struct Key: Hashable, Sendable {
        let measure: String
        let dimension: String
        /// The areas read (the grouping and the area it is within).
        let areas: String
        let to: CalendarDate
        /// The first month read; nil: from the beginning.
        let since: CalendarDate?
        let firstDayExits: Bool
        let amounts: Bool
    }

    /// A read's rows, column by column; row `i` belongs to series `keys[series[i]]`.
    struct Rows: Sendable {
        var keys: [IndicatorStore.Series.Key] = []
        var series: [Int32] = []
        /// Months since year 0 (`year * 12 + month - 1`).
        var months: [Int32] = []
        var entered: [Int] = []
        var exited: [Int] = []
        /// Empty unless the key asked for them.
        var exitedFirstDay: [Int] = []
        var amounts: [Int] = []
    }

    private enum Entry {
        case reading(waiters: [CheckedContinuation<Rows?, Never>])
        case read(Rows)
    }

    private let shared: Set<String>
    private let entries = Mutex<[Key: Entry]>([:])

    /// Keeps the reads of the measures in `shared`.
    init(shared: Set<String>) { self.shared = shared }

    /// The measures that more than one of `computations` reads.
    static func measuresReadTwice(by computations: [Computation]) -> Set<String> {
        var counts: [String: Int] = [:]
        func count(_ computation: Computation) {
            switch computation {
            case .tallies(let formula):
                for term in [formula.numerator, formula.denominator].compactMap({ $0 }) { counts[term.measure.rawValue, default: 0] += 1 }
            case .change(let base): Computation.all[base].map(count)
            case .programmes: break
            }
        }
        computations.forEach(count)
        return Set(counts.filter { $0.value > 1 }.keys)
    }

    /// Whether reads of `measure` are kept.
    func keeps(_ measure: String) -> Bool { shared.contains(measure) }

    /// The rows of `key`: kept ones, or those `read` returns (kept when the measure is shared).
    func rows(_ key: Key, read: () async throws -> Rows) async throws -> Rows {
        guard shared.contains(key.measure) else { return try await read() }
        enum Next {
            case have(Rows)
            case wait
            case make
        }
        let next = entries.withLock { entries -> Next in
            switch entries[key] {
            case .read(let rows): return .have(rows)
            case .reading: return .wait
            case nil:
                entries[key] = .reading(waiters: [])
                return .make
            }
        }
        switch next {
        case .have(let rows): return rows
        case .wait:
            let made = await withCheckedContinuation { (waiter: CheckedContinuation<Rows?, Never>) in
                let now = entries.withLock { entries -> Rows?? in
                    switch entries[key] {
                    case .reading(var waiters):
                        waiters.append(waiter)
                        entries[key] = .reading(waiters: waiters)
                        return .none
                    case .read(let rows): return .some(rows)
                    case nil: return .some(nil)
                    }
                }
                if let now { waiter.resume(returning: now) }
            }
            if let made { return made }
            // The task that made the read failed: read here.
            return try await read()
        case .make:
            do {
                let rows = try await read()
                finish(key, with: rows)
                return rows
            } catch {
                finish(key, with: nil)
                throw error
            }
        }
    }

    /// Keeps `rows` (or forgets the key after a failure) and wakes the reads waiting for it.
    private func finish(_ key: Key, with rows: Rows?) {
        let waiters = entries.withLock { entries -> [CheckedContinuation<Rows?, Never>] in
            guard case .reading(let waiters) = entries[key] else { return [] }
            entries[key] = rows.map { .read($0) }
            return waiters
        }
        for waiter in waiters { waiter.resume(returning: rows) }
    }
}
