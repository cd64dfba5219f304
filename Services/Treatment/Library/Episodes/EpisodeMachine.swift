import ContractValues
import Rules

/// How an episode's status moves, each change under the rule that allows it (409 `episode-status`
/// naming it otherwise).
enum EpisodeMachine {
    static let machine = StateMachine<EpisodeStatus>(
        "episode",
        [
            .init("start", from: [.planned], to: [.active], rule: "An episode begins once, from planned (admission or first day)."),
            .init(
                "complete_stage", from: [.active], to: [.active],
                rule: "Stages are completed while the episode is active (Decree 116/2021, Art. 4)."),
            .init(
                "reduce_term", from: [.active], to: [.active],
                rule: "A term is reduced while the episode is active, by the regime's term-reduction rule."),
            .init(
                "transfer", from: [.active], to: [.active],
                rule: "An active episode at a facility may move to another facility; the episode and its history continue there."),
            .init(
                "complete", from: [.active], to: [.completed],
                rule: "Only an active episode completes, with the regime's stages done and its term served."),
            .init(
                "discontinue", from: [.planned, .active], to: [.discontinued],
                rule: "A planned or active episode may be discontinued (dropped out, terminated, incarcerated, died, other)."),
            .init(
                "transfer_out", from: [.active], to: [.transferred],
                rule: "An active episode ends as transferred when the person continues in another form of treatment."),
        ])

    /// The action that ends an episode for `reason`.
    static func endAction(_ reason: DischargeReason) -> String {
        switch reason.status {
        case .completed: "complete"
        case .transferred: "transfer_out"
        default: "discontinue"
        }
    }
}
