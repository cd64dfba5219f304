import Rules

/// What a referral asks of a partner, and the outcomes that can close it.
enum ReferralKind: String, CaseIterable, Sendable {
    /// Học nghề: a place on a vocational course.
    case vocationalTraining = "vocational_training"
    /// Giới thiệu việc làm: a job.
    case job
    /// Vay vốn: a loan (Bank for Social Policies, credit funds).
    case loan

    /// The outcomes a partner may record for this kind.
    var outcomes: [String] {
        switch self {
        case .vocationalTraining: ["trained", "dropped_out"]
        case .job: ["employed", "not_employed"]
        case .loan: ["disbursed", "refused"]
        }
    }

    static let names = allCases.map(\.rawValue).joined(separator: ", ")
}

/// Where a referral stands; how it moves is `machine`.
enum ReferralStatus: String, CaseIterable, Sendable {
    case sent, accepted, declined, completed, withdrawn

    static let names = allCases.map(\.rawValue).joined(separator: ", ")

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
