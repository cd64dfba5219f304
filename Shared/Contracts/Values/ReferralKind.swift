import EventBus

/// What a referral asks of a partner.
public enum ReferralKind: String, EventValue {
    /// Học nghề: a place on a vocational course.
    case vocationalTraining = "vocational_training"
    /// Giới thiệu việc làm: a job.
    case job
    /// Vay vốn: a loan (Bank for Social Policies, credit funds).
    case loan
}
