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
    /// `proposed` → `sent` (the officer); `sent` → `accepted` or `declined` (the partner answers);
    /// then by kind `accepted` → `enrolled` → `completed` (a course, with its certificate),
    /// `accepted` → `hired` → `employed` (a job), `accepted` → `approved` → `disbursed` (a loan), or
    /// `dropped` on the way (with a reason); `accepted` → `completed` with an outcome reported at
    /// once; `proposed`, `sent` or `accepted` → `withdrawn` (the referring officer).
    static let machine = StateMachine<ReferralStatus>(
        "referral",
        [
            .init("send", from: [.proposed], to: [.sent], rule: "A proposed referral is sent once."),
            .init(
                "respond", from: [.sent], to: [.accepted, .declined],
                rule: "A partner answers a referral once, while it is sent."),
            .init("enrol", from: [.accepted], to: [.enrolled], rule: "A person enrols in an accepted course referral."),
            .init("hire", from: [.accepted], to: [.hired], rule: "A person is hired on an accepted job referral."),
            .init("approve", from: [.accepted], to: [.approved], rule: "A loan is approved on an accepted loan referral."),
            .init(
                "complete", from: [.accepted], to: [.completed],
                rule: "An outcome is reported for a referral the partner accepted, once."),
            .init(
                "complete_course", from: [.enrolled], to: [.completed],
                rule: "A course is completed once the person enrolled, with its certificate."),
            .init("employ", from: [.hired], to: [.employed], rule: "A person hired is confirmed employed."),
            .init("disburse", from: [.approved], to: [.disbursed], rule: "An approved loan is disbursed once."),
            .init(
                "drop", from: [.accepted, .enrolled, .hired, .approved], to: [.dropped],
                rule: "A referral under way (accepted, enrolled, hired or approved) may be dropped, with a reason."),
            .init(
                "withdraw", from: [.proposed, .sent, .accepted], to: [.withdrawn],
                rule: "The referring side withdraws a referral only while it is open (proposed, sent or accepted)."),
        ])

    /// The kind of referral each kind-specific step belongs to, and the rule saying so.
    static let stepKinds: [String: ReferralKind] = [
        "enrol": .vocationalTraining, "complete": .vocationalTraining, "hire": .job, "employ": .job, "approve": .loan, "disburse": .loan,
    ]
}
