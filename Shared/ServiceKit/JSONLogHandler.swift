import EventBus
import Foundation
import Logging

/// Writes one JSON object per line to standard output: `time`, `level`, `label`, `message`
/// and the metadata (dotted keys such as `hb.request.id`) as string fields.
///
/// Callers must never put personal data or SQL parameters into messages or metadata.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String

    public init(label: String, level: Logger.Level, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.logLevel = level
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields = metadata
        if let provided = metadataProvider?.get() { fields.merge(provided) { $1 } }
        if let extra = event.metadata { fields.merge(extra) { $1 } }
        var line = "{\"time\":\"\(Self.timestamp())\",\"level\":\"\(event.level)\",\"label\":"
        Self.appendQuoted(label, to: &line)
        line += ",\"message\":"
        Self.appendQuoted(event.message.description, to: &line)
        for key in fields.keys.sorted() where !["time", "level", "label", "message"].contains(key) {
            line += ","
            Self.appendQuoted(key, to: &line)
            line += ":"
            Self.appendQuoted(fields[key]!.description, to: &line)
        }
        line += "}\n"
        FileHandle.standardOutput.write(Data(line.utf8))
    }

    private static func timestamp() -> String {
        Date.now.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }

    static func appendQuoted(_ text: String, to line: inout String) { JSONValue.writeString(text, to: &line) }
}
