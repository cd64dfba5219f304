import Postgres

/// One row of the live aggregates: a measure's counts on a day (or in a month, for the person's
/// breakdowns) in an area, in total (`dimension` and `value` empty) or for one value of one breakdown.
struct Tally: Sendable, Equatable {
    struct Key: Hashable, Sendable, Comparable {
        let measure: String
        let dimension: String
        let value: String
        let areaCode: String
        let day: CalendarDate

        static func < (left: Key, right: Key) -> Bool {
            (left.measure, left.dimension, left.areaCode, left.value, left.day)
                < (right.measure, right.dimension, right.areaCode, right.value, right.day)
        }
    }

    let key: Key
    /// The unit above the area (a commune's province, a province's `VN`, `VN` itself).
    let parentCode: String
    var entered: Int
    var exited: Int
    /// Of `exited`, those on the first day of the month (a monthly row needs them for overlaps).
    var exitedFirst: Int
    var amount: Int

    var isZero: Bool { entered == 0 && exited == 0 && exitedFirst == 0 && amount == 0 }

    /// Adds `other`'s counts, times `sign`, to these.
    mutating func add(_ other: Tally, _ sign: Int) {
        entered += sign * other.entered
        exited += sign * other.exited
        exitedFirst += sign * other.exitedFirst
        amount += sign * other.amount
    }

    /// What must be added to the aggregates to turn `before` into `after` (each a sum of rows,
    /// several people's, a key possibly more than once), in key order (so that concurrent writers
    /// lock rows in the same order).
    static func difference(from before: [Tally], to after: [Tally]) -> [Tally] {
        var changes: [Key: Tally] = [:]
        changes.reserveCapacity(after.count)
        func add(_ tally: Tally, _ sign: Int) {
            // Changed in place: one lookup of the key (its four strings hashed once) per row.
            changes[tally.key, default: Tally(key: tally.key, parentCode: tally.parentCode, entered: 0, exited: 0, exitedFirst: 0, amount: 0)]
                .add(tally, sign)
        }
        for tally in after { add(tally, 1) }
        for tally in before { add(tally, -1) }
        return changes.values.filter { !$0.isZero }.sorted { $0.key < $1.key }
    }
}
