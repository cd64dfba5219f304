import Foundation
import Logging
import Synchronization

/// Where a test run keeps what its secrets scan needs (`deploy/local/test.sh` sets both):
/// `TEST_LOG_FILE`, every message the in-process services log at `TEST_LOG_LEVEL` (default
/// `debug`) and above, with its metadata; `TEST_SECRETS_FILE`, every password, token, national id,
/// name and phone number the tests sent or received, one per line. After the run
/// `Tests/Security/scan_logs.py` looks for each of the second in the first.
public enum TestLogFile {
    private static let environment = ProcessInfo.processInfo.environment

    static let log: Appender? = environment["TEST_LOG_FILE"].flatMap(Appender.init(path:))
    static let secrets: Appender? = environment["TEST_SECRETS_FILE"].flatMap(Appender.init(path:))

    static var level: Logger.Level { environment["TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .debug }

    /// Notes values a test used that must never appear in a log (shorter than 8 characters: not
    /// distinctive enough to look for).
    public static func recordSecrets(_ values: [String]) {
        guard let secrets else { return }
        let distinctive = values.filter { $0.count >= 8 && !$0.contains("\n") }
        guard !distinctive.isEmpty else { return }
        secrets.append(distinctive.joined(separator: "\n") + "\n")
    }

    /// Appends lines to a file from any thread.
    final class Appender: Sendable {
        private let handle: Mutex<FileHandle>

        init?(path: String) {
            if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
            guard let handle = FileHandle(forWritingAtPath: path) else { return nil }
            handle.seekToEndOfFile()
            self.handle = Mutex(handle)
        }

        func append(_ text: String) {
            handle.withLock { $0.write(Data(text.utf8)) }
        }
    }
}

/// Writes every message, with its metadata, to `TEST_LOG_FILE`.
struct FileLogHandler: LogHandler {
    let label: String
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = TestLogFile.level

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        TestLogFile.log?.append("\(event.level) \(label): \(event.message) \(fields)\n")
    }
}
