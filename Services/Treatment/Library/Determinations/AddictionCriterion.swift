/// The six criteria of a determination of addiction (Circular 18/2021/TT-BYT, after ICD-10's
/// dependence syndrome); the regime in force says how many make it positive.
enum AddictionCriterion: String, CaseIterable, Sendable {
    /// A strong desire or compulsion to use.
    case craving
    /// Difficulty controlling the start, end or amount of use.
    case lossOfControl = "loss_of_control"
    /// Withdrawal symptoms when use stops or is cut down.
    case withdrawal
    /// Tolerance: ever larger amounts for the same effect.
    case tolerance
    /// Other pleasures and interests given up for use.
    case neglect
    /// Use continued despite clear harm.
    case harmfulUse = "harmful_use"

    static let rawValues = allCases.map(\.rawValue)
}
