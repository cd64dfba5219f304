import Rules

extension ProblemDetails {
    /// 409 for a change the record's state machine refuses: type `<record>-status`, the refusal in
    /// words as `detail`, and the rule it breaks as `rule`.
    public init<State>(_ refusal: StateMachine<State>.Refusal) {
        self = .conflict(refusal.description, type: "\(refusal.record)-status")
        rule = refusal.rule
    }
}
