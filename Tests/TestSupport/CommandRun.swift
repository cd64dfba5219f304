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
}
