import EventBus

/// A person's management status (tình trạng quản lý) on a day.
public enum ManagementStatus: String, EventValue {
    /// Người sử dụng trái phép chất ma túy: under management for the period the law sets.
    case drugUser = "drug_user"
    /// Người nghiện: addiction determined.
    case addicted
    case inTreatment = "in_treatment"
    /// Quản lý sau cai nghiện.
    case inAftercare = "in_aftercare"
    case managementEnded = "management_ended"
}
