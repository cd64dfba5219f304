import Foundation

/// A typed event a service publishes. Its type and version must be in the catalogue, and its
/// JSON encoding must match the definition.
public protocol BusEvent: Codable, Sendable {
    static var type: String { get }
    static var version: Int { get }
    /// Events with the same key reach each consumer in publish order (a person's id, say).
    var key: String { get }
}

/// An event as a consumer receives it.
public struct EventEnvelope: Sendable {
    public let id: Int64
    public let transactionID: Int64
    public let topic: String
    public let type: String
    public let version: Int
    public let key: String
    /// The slot of the key (see `EventPublisher.slot(of:)`).
    public let slot: Int16
    public let occurredAt: Date
    public let publishedAt: Date
    public let producer: String
    public let correlationID: UUID?
    /// The payload's JSON text.
    public let payload: String

    /// Decodes the payload as the typed event it carries, or as a consumer's own view of it
    /// (a `Decodable` with only the fields it needs).
    public func decode<Event: Decodable>(_ type: Event.Type) throws -> Event {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(Event.self, from: Data(payload.utf8))
    }
}
