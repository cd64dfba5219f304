import Foundation
import Synchronization
import TestSupport

/// `Tests/Browser/dashboard_check.py` running in the background: lines to its standard input, JSON
/// lines from its standard output. Its standard error (chromedriver's complaints) goes to a file
/// whose end a failure shows.
final class BrowserScript: Sendable {
    private let process: Process
    private let input: Pipe
    private let output = Output()
    private let errors: URL

    private final class Output: Sendable {
        let lines = Mutex<[String]>([])
        let ended = Atomic<Bool>(false)
    }

    init(arguments: [String]) throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Browser/dashboard_check.py")
        errors = FileManager.default.temporaryDirectory.appendingPathComponent("dashboard-check-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path] + arguments
        input = Pipe()
        let pipe = Pipe()
        process.standardInput = input
        process.standardOutput = pipe
        process.standardError = try FileHandle(forWritingTo: errors)
        let buffer = Mutex<Data>(Data())
        let output = self.output
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            guard !data.isEmpty else {
                handle.readabilityHandler = nil
                output.ended.store(true, ordering: .releasing)
                return
            }
            let complete = buffer.withLock { buffer -> [String] in
                buffer.append(data)
                var found: [String] = []
                while let newline = buffer.firstIndex(of: 0x0A) {
                    found.append(String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self))
                    buffer.removeSubrange(buffer.startIndex...newline)
                }
                return found
            }
            output.lines.withLock { $0.append(contentsOf: complete) }
        }
        try process.run()
    }

    /// The next JSON object the script prints, within `timeout`.
    func nextLine(timeout: Duration = .seconds(90)) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let line = output.lines.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) {
                guard let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else {
                    throw TestSupportError("the browser script printed \(line)")
                }
                return object
            }
            if output.ended.load(ordering: .acquiring), !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let log = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
        throw TestSupportError("the browser script gave no answer (running: \(process.isRunning)); its errors end with:\n\(log.suffix(3000))")
    }

    func send(_ line: String) throws {
        try input.fileHandleForWriting.write(contentsOf: Data((line + "\n").utf8))
    }

    /// Ends the script (and its browser) if it still runs.
    func stop() {
        try? input.fileHandleForWriting.close()
        if process.isRunning {
            let deadline = Date().addingTimeInterval(10)
            while process.isRunning, Date() < deadline { usleep(50_000) }
            if process.isRunning { process.terminate() }
        }
        try? FileManager.default.removeItem(at: errors)
    }
}
