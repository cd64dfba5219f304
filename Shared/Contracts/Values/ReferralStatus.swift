import EventBus

/// Where a referral stands (the referrals service's `ReferralStatus.machine` says how it moves).
public enum ReferralStatus: String, EventValue {
    case sent, accepted, declined, completed, withdrawn
}
