import Foundation

/// One of the service executables running as a child process, for start/stop tests.
///
/// The binaries come from `RECOVERY_BIN_DIR` (exported by `deploy/local/test.sh`), falling back
/// to `.build/debug`.
public final class ServiceProcess: @unchecked Sendable {
    public let process = Process()
    private let errorPipe = Pipe()
    private let outputPipe = Pipe()
    public let port: Int

    public static var binDirectory: URL {
        if let path = ProcessInfo.processInfo.environment["RECOVERY_BIN_DIR"] { return URL(fileURLWithPath: path) }
        return TestDatabase.repositoryRoot.appending(path: ".build/debug")
    }

    /// Starts `executable` with `arguments` and the given environment (plus PATH), on `port`.
    public init(_ executable: String, arguments: [String] = [], port: Int, environment: [String: String]) throws {
        self.port = port
        process.executableURL = Self.binDirectory.appending(path: executable)
        process.arguments = arguments
        var environment = environment
        environment["PORT"] = environment["PORT"] ?? String(port)
        environment["HOST"] = environment["HOST"] ?? "127.0.0.1"
        environment["PATH"] = ProcessInfo.processInfo.environment["PATH"]
        process.environment = environment
        process.standardError = errorPipe
        process.standardOutput = outputPipe
        // An empty working directory, so that no .env file is picked up by accident.
        let directory = FileManager.default.temporaryDirectory.appending(path: "service-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        process.currentDirectoryURL = directory
        try process.run()
    }

    deinit {
        if process.isRunning { process.terminate() }
    }

    /// Polls `path` until it answers `status` or `timeout` passes; returns the last response.
    @discardableResult
    public func waitFor(_ path: String, status: Int, timeout: Duration = .seconds(60)) async throws -> HTTPProbe.Response {
        let deadline = ContinuousClock.now + timeout
        var last: HTTPProbe.Response?
        while ContinuousClock.now < deadline {
            guard process.isRunning else { throw TestSupportError("the service exited with status \(process.terminationStatus): \(standardError())") }
            if let response = try? HTTPProbe.get(port: port, path: path, timeout: .seconds(2)) {
                last = response
                if response.status == status { return response }
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestSupportError("\(path) did not answer \(status) in time (last: \(last.map { "\($0.status) \($0.body)" } ?? "no answer"))")
    }

    /// Sends `signal` and waits for the process to exit; returns its exit status.
    public func stop(signal: Int32 = SIGTERM, timeout: Duration = .seconds(20)) async throws -> Int32 {
        kill(process.processIdentifier, signal)
        return try await waitForExit(timeout: timeout)
    }

    /// Waits for the process to exit on its own.
    public func waitForExit(timeout: Duration = .seconds(20)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else {
                process.interrupt()
                kill(process.processIdentifier, SIGKILL)
                throw TestSupportError("the service did not exit in time")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return process.terminationStatus
    }

    /// Everything written to standard error so far (call after the process exited).
    public func standardError() -> String {
        String(decoding: errorPipe.fileHandleForReading.availableData, as: UTF8.self)
    }

    /// Everything written to standard output (call after the process exited).
    public func standardOutput() -> String {
        String(decoding: outputPipe.fileHandleForReading.availableData, as: UTF8.self)
    }
}

extension ServiceProcess {
    /// Runs `registry migrate` on `database`: the referrals and statistics services read registry
    /// tables and report ready only once those exist.
    public static func migrateRegistry(in database: TestDatabase) async throws {
        let migrate = try ServiceProcess(
            "registry", arguments: ["migrate"], port: 0, environment: ["DATABASE_URL": try database.conninfo(role: "registry")])
        let status = try await migrate.waitForExit(timeout: .seconds(60))
        guard status == 0 else { throw TestSupportError("registry migrate exited with \(status): \(migrate.standardError())") }
    }
}
