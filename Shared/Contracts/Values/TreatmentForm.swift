import EventBus

/// The legal form of a treatment episode.
public enum TreatmentForm: String, EventValue {
    /// Cai nghiện tự nguyện tại gia đình, cộng đồng.
    case voluntaryCommunity = "voluntary_community"
    /// Cai nghiện tự nguyện tại cơ sở cai nghiện.
    case voluntaryFacility = "voluntary_facility"
    /// Cai nghiện bắt buộc.
    case compulsory
    /// Điều trị thay thế (methadone).
    case methadone
}
