import ContractValues
import Rules

/// The outcomes that can close a referral of each kind.
extension ReferralKind {
    /// The outcomes a partner may record for this kind.
    var outcomes: [String] {
        switch self {
        case .vocationalTraining: ["trained", "dropped_out"]
        case .job: ["employed", "not_employed"]
        case .loan: ["disbursed", "refused"]
        }
    }

    /// The outcomes of every kind, each once.
    static let allOutcomes: [String] = allCases.flatMap(\.outcomes).reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
}

/// How a referral moves: `machine`.
extension ReferralStatus {
    /// `sent` → `accepted` or `declined` (the partner answers); `accepted` → `completed` with an
    /// outcome (the partner reports); `sent` or `accepted` → `withdrawn` (the referring officer).
    static let machine = StateMachine<ReferralStatus>(
        "referral",
        [
            .init(
                "respond", from: [.sent], to: [.accepted, .declined],
                rule: "A partner answers a referral once, while it is sent."),
            .init(
                "complete", from: [.accepted], to: [.completed],
                rule: "An outcome is reported for a referral the partner accepted, once."),
            .init(
                "withdraw", from: [.sent, .accepted], to: [.withdrawn],
                rule: "The referring side withdraws a referral only while it is open (sent or accepted)."),
        ])
}
