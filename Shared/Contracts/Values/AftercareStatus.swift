import EventBus

/// Where a period of after-care (quản lý sau cai nghiện) stands.
public enum AftercareStatus: String, EventValue {
    case active
    /// Served to its end, with a completion record.
    case completed
    /// Ended by a relapse (the regime's relapse rule says whether it ends or is suspended).
    case endedByRelapse = "ended_by_relapse"
    /// Suspended by a relapse, to resume after the new treatment.
    case suspended
}
