/// Exponential backoff with full jitter, for reconnects and retries.
public struct Backoff: Sendable {
    public var initial: Duration
    public var maximum: Duration
    public var multiplier: Double

    public init(initial: Duration = .milliseconds(100), maximum: Duration = .seconds(10), multiplier: Double = 2) {
        self.initial = initial
        self.maximum = maximum
        self.multiplier = multiplier
    }

    /// The delay before retry number `attempt` (0 for the first retry): a random duration
    /// between half the exponential bound and the bound itself.
    public func delay(attempt: Int) -> Duration {
        let base = Double(initial.inMilliseconds)
        let cap = Double(maximum.inMilliseconds)
        let bound = min(cap, base * pow(multiplier, Double(min(attempt, 30))))
        return .milliseconds(Int64(Double.random(in: (bound / 2)...max(bound / 2, bound))))
    }

    private func pow(_ base: Double, _ exponent: Double) -> Double {
        var result = 1.0
        for _ in 0..<Int(exponent) { result *= base }
        return result
    }
}
