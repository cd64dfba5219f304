/// An event type that is its own catalogue entry: its topic and summary sit next to its fields,
/// and `EventDefinition(Self.self)` reads the fields from the type (see `FieldProbe`), so no
/// field list is ever written twice. Contract types live in `Shared/Contracts/<Producer>`, where
/// producer and consumers import them.
public protocol EventContract: BusEvent {
    /// The stream the event belongs to (`registry.person`).
    static var topic: String { get }
    /// One sentence for `docs/events.md`.
    static var summary: String { get }
}

extension EventDefinition {
    /// The catalogue entry of `event`: its type, version, topic and summary, and its fields in
    /// declaration order, each with the kind its Swift type gives (`UUID` uuid, `CalendarDate`
    /// date, `Date` timestamp, `String` string, integers integer, `Double` number, `Bool` boolean,
    /// arrays array, other types object) and required unless optional.
    public init<Event: EventContract>(_ event: Event.Type) {
        self.init(type: Event.type, version: Event.version, topic: Event.topic, summary: Event.summary, fields: FieldProbe.fields(of: Event.self))
    }
}

extension EventCatalogue {
    /// A catalogue of contract types.
    public init(contracts: [any EventContract.Type]) {
        self.init(contracts.map { EventDefinition($0) })
    }
}
