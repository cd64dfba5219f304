import Rules

extension ProblemDetails {
    /// 409 for a change the record's state machine refuses: type `<record>-status`, the refusal in
    /// words as `detail`, and the rule it breaks as `rule`.
    public init<State>(_ refusal: StateMachine<State>.Refusal) {
        self = .conflict(refusal.description, type: "\(refusal.record)-status")
        rule = refusal.rule
    }
}

extension ProblemDetails {
    /// 409 for something a rule forbids: `detail` says what, `rule` cites the rule (and the regime,
    /// when one decides it), `type` is the problem's slug.
    public static func ruleConflict(_ detail: String, rule: String?, type: String) -> ProblemDetails {
        var problem = ProblemDetails.conflict(detail, type: type)
        problem.rule = rule
        return problem
    }
}
