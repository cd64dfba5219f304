/// How long callers waited for a pooled connection: counts per power-of-two bucket of
/// milliseconds (below 1 ms, 1-2 ms, 2-4 ms, ... 16 s and more), for metrics and test reports.
public struct PoolWaitHistogram: Sendable, Equatable, CustomStringConvertible {
    /// Upper bounds of the buckets in milliseconds; the last bucket has none.
    public static let boundsMilliseconds: [Int] = (0..<15).map { 1 << $0 }

    /// `counts[i]` waits were shorter than `boundsMilliseconds[i]` (and not shorter than the
    /// bound before); the last element counts the rest.
    public private(set) var counts = [Int](repeating: 0, count: boundsMilliseconds.count + 1)
    public private(set) var longest: Duration = .zero

    public init() {}

    /// Waits recorded in all.
    public var total: Int { counts.reduce(0, +) }

    mutating func record(_ wait: Duration) {
        let milliseconds = wait.components.seconds * 1000 + wait.components.attoseconds / 1_000_000_000_000_000
        let index = Self.boundsMilliseconds.firstIndex { milliseconds < $0 } ?? Self.boundsMilliseconds.count
        counts[index] += 1
        longest = max(longest, wait)
    }

    /// Non-empty buckets, e.g. `<1ms:380 1-2ms:15 >=16384ms:0`, and the longest wait.
    public var description: String {
        var parts: [String] = []
        for (index, count) in counts.enumerated() where count > 0 {
            let bounds = Self.boundsMilliseconds
            if index == 0 {
                parts.append("<1ms:\(count)")
            } else if index == bounds.count {
                parts.append(">=\(bounds[index - 1])ms:\(count)")
            } else {
                parts.append("\(bounds[index - 1])-\(bounds[index])ms:\(count)")
            }
        }
        return "waits \(total) [\(parts.joined(separator: " "))] longest \(longest)"
    }
}
