import EventBus

/// The legal form of a treatment episode.
public enum TreatmentForm: String, EventValue {
    /// Cai nghiện tự nguyện tại gia đình, cộng đồng.
    case voluntaryCommunity = "voluntary_community"
    /// Cai nghiện tự nguyện tại cơ sở cai nghiện.
    case voluntaryFacility = "voluntary_facility"
    /// Cai nghiện bắt buộc.
    case compulsory
    /// Điều trị thay thế (methadone, and under Law 120/2025 other substitutes).
    case methadone
    /// Cai nghiện tại Trung tâm Bảo trợ xã hội: voluntary treatment at a social protection centre.
    case socialProtectionCentre = "social_protection_centre"

    /// Whether a facility admits the person (every form but treatment at family or community).
    public var atFacility: Bool { self != .voluntaryCommunity }
}
