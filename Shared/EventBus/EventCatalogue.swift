/// The event types the services may publish, by type and version. Publishing anything else fails.
///
/// Each service defines its events next to the code that publishes them and gives its catalogue
/// to its `ServiceDescriptor`; `docs/events.md` is the `markdown()` of all services' catalogues
/// together, checked by a test (`UPDATE_EVENT_DOCS=1` makes that test rewrite it).
public struct EventCatalogue: Sendable {
    private var definitions: [Key: EventDefinition] = [:]

    struct Key: Hashable {
        let type: String
        let version: Int
    }

    public init(_ definitions: [EventDefinition] = []) {
        for definition in definitions { register(definition) }
    }

    /// Adds a definition; registering the same type and version twice is a programming error.
    public mutating func register(_ definition: EventDefinition) {
        let key = Key(type: definition.type, version: definition.version)
        precondition(definitions[key] == nil, "event type \(definition.type) v\(definition.version) is defined twice")
        definitions[key] = definition
    }

    public func definition(type: String, version: Int) -> EventDefinition? {
        definitions[Key(type: type, version: version)]
    }

    /// All definitions, ordered by type and version.
    public var all: [EventDefinition] {
        definitions.values.sorted { ($0.type, $0.version) < ($1.type, $1.version) }
    }

    /// The catalogue as a Markdown document: one section per type and version.
    public func markdown() -> String {
        var text = "# Event catalogue\n\nGenerated from `EventCatalogue`; do not edit by hand.\n"
        for definition in all {
            text += "\n## `\(definition.type)` v\(definition.version)\n\n\(definition.summary)\n\nTopic: `\(definition.topic)`\n\n"
            text += "| field | kind | required |\n|---|---|---|\n"
            for field in definition.fields {
                let kind = field.values.map { "\(field.kind.rawValue): " + $0.map { "`\($0)`" }.joined(separator: ", ") } ?? field.kind.rawValue
                text += "| `\(field.name)` | \(kind) | \(field.required ? "yes" : "no") |\n"
            }
        }
        return text
    }
}
