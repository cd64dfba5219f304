import EventBus
import Foundation

/// What the referrals service tells the others: ids, codes, dates and amounts, never names.
public enum ReferralEvents {
    public static let topic = "referrals.referral"

    /// A referral was made, answered, completed with an outcome, or withdrawn (its current state).
    /// The statistics service counts referrals and their outcomes by area from these.
    public struct Changed: BusEvent {
        public static let type = "referrals.referral.changed"
        public static let version = 1

        public let referralId: UUID
        public let personId: UUID
        public let partnerId: UUID
        /// vocational_training, job or loan.
        public let kind: String
        /// sent, accepted, declined, completed or withdrawn.
        public let status: String
        public let outcome: String?
        public let outcomeOn: String?
        public let amountVnd: Int?
        /// Where the person lived when referred.
        public let communeCode: String
        public let provinceCode: String
        public let referredOn: String
        public var key: String { personId.uuidString.lowercased() }
    }

    public static let definitions: [EventDefinition] = [
        EventDefinition(
            type: Changed.type, version: 1, topic: topic,
            summary: "A referral to a partner organisation was made, answered, completed or withdrawn (its current state).",
            fields: [
                .init("referralId", .uuid), .init("personId", .uuid), .init("partnerId", .uuid),
                .init("kind", .string), .init("status", .string), .init("outcome", .string, required: false),
                .init("outcomeOn", .date, required: false), .init("amountVnd", .integer, required: false),
                .init("communeCode", .string), .init("provinceCode", .string), .init("referredOn", .date),
            ])
    ]

    public static let catalogue = EventCatalogue(definitions)
}
