import EventBus

/// Where a referral stands (the referrals service's `ReferralStatus.machine` says how it moves):
/// proposed, sent, accepted or declined; then a course is enrolled and completed, a job hired and
/// employed, a loan approved and disbursed, or the referral dropped; withdrawn by the referring
/// side while open.
public enum ReferralStatus: String, EventValue {
    case proposed, sent, accepted, declined
    /// A course: the person enrolled.
    case enrolled
    /// A job: the person was hired.
    case hired
    /// A loan: approved.
    case approved
    /// A course completed (with its certificate), or a referral closed with an outcome.
    case completed
    /// A job: still employed after the placement.
    case employed
    /// A loan: paid out.
    case disbursed
    /// Ended after acceptance without the result (with a reason).
    case dropped
    case withdrawn
}
