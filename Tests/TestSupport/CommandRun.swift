import Foundation

/// Runs a project executable to completion (`registry create-admin ...`), feeding `input` to
/// its standard input, in an empty working directory.
public struct CommandRun: Sendable {
    public let status: Int32
    public let standardOutput: String
    public let standardError: String

    /// Runs `executable` from the project's build folder, or the file at that path when `absolute`.
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String], input: String = "", absolute: Bool = false
    ) throws -> CommandRun {
        let process = Process()
        process.executableURL = absolute ? URL(fileURLWithPath: executable) : ServiceProcess.binDirectory.appending(path: executable)
        process.arguments = arguments
        var environment = environment
        environment["PATH"] = ProcessInfo.processInfo.environment["PATH"]
        process.environment = environment
        let directory = FileManager.default.temporaryDirectory.appending(path: "command-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        process.currentDirectoryURL = directory
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let error = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CommandRun(
            status: process.terminationStatus, standardOutput: String(decoding: output, as: UTF8.self),
            standardError: String(decoding: error, as: UTF8.self))
    }

    /// Runs `arguments` (a command found on `PATH`, and its arguments) to completion in an empty
    /// working directory, with `environment` added to this process's, waiting without holding a
    /// thread: what it calls may be served by this very process (a service under test). Its
    /// output goes to files, so it may print any amount.
    public static func awaiting(_ arguments: [String], environment: [String: String] = [:]) async throws -> CommandRun {
        let directory = FileManager.default.temporaryDirectory.appending(path: "command-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (output, errors) = (directory.appending(path: "stdout"), directory.appending(path: "stderr"))
        for file in [output, errors] { _ = FileManager.default.createFile(atPath: file.path, contents: nil) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.currentDirectoryURL = directory
        let (outputHandle, errorHandle) = (try FileHandle(forWritingTo: output), try FileHandle(forWritingTo: errors))
        process.standardOutput = outputHandle
        process.standardError = errorHandle
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        try outputHandle.close()
        try errorHandle.close()
        return CommandRun(
            status: status, standardOutput: (try? String(contentsOf: output, encoding: .utf8)) ?? "",
            standardError: (try? String(contentsOf: errors, encoding: .utf8)) ?? "")
    }
}
