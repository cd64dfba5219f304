import ServiceKit

extension ProblemDetails {
    /// 409 for something a legal rule forbids: `detail` says what, `rule` cites the rule (and the
    /// regime, when one decides it).
    static func ruleConflict(_ detail: String, rule: String, type: String) -> ProblemDetails {
        var problem = ProblemDetails.conflict(detail, type: type)
        problem.rule = rule
        return problem
    }
}
