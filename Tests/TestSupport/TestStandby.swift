import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A hot standby of the test cluster: `pg_basebackup` and streaming replication, made by
/// `cluster_standby` of `deploy/local/cluster.sh` in a new folder under /tmp on a free port. It
/// follows every database of the cluster; `stop()` stops it and deletes its folder.
public struct TestStandby: Sendable {
    public let folder: String
    public let port: Int

    /// Copies the running test cluster (of `TEST_DATABASE_URL`) and starts the copy.
    public static func start() async throws -> TestStandby {
        let primary = try TestDatabase.clusterURL
        guard let port = URLComponents(string: primary)?.port else { throw TestSupportError("no port in TEST_DATABASE_URL") }
        let folder = FileManager.default.temporaryDirectory.appending(path: "recovery-standby-\(UUID())").path
        let run = try await Self.bash(
            """
            source "$ROOT/deploy/local/cluster.sh"
            port=$(cluster_free_port) && cluster_standby "$PRIMARY_PORT" "$FOLDER" "$port" >&2 && echo "$port"
            """, ["PRIMARY_PORT": String(port), "FOLDER": folder])
        guard run.status == 0, let standbyPort = Int(run.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw TestSupportError("the standby did not start (\(run.status)): \(run.standardError)")
        }
        return TestStandby(folder: folder, port: standbyPort)
    }

    /// `database` as the standby serves it (read-only).
    public func database(_ database: TestDatabase) -> TestDatabase {
        TestDatabase(name: database.name, adminURL: "postgresql://postgres@127.0.0.1:\(port)/postgres")
    }

    /// Stops the standby (fast shutdown); its folder stays until `remove()`.
    public func stop() async throws {
        let run = try await Self.bash(#"source "$ROOT/deploy/local/cluster.sh" && cluster_stop "$FOLDER""#, ["FOLDER": folder])
        guard run.status == 0 else { throw TestSupportError("the standby did not stop (\(run.status)): \(run.standardError)") }
    }

    /// Stops the standby if it runs and deletes its folder.
    public func remove() async {
        _ = try? await stop()
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Runs `script` with bash, its output in files. Not with Foundation's `Process`: its
    /// `waitUntilExit` never saw the end of a script that had started a server (the shell stayed
    /// a zombie); this spawns and reaps the shell itself.
    private static func bash(_ script: String, _ variables: [String: String]) async throws -> CommandRun {
        let output = FileManager.default.temporaryDirectory.appending(path: "standby-command-\(UUID())").path
        defer {
            try? FileManager.default.removeItem(atPath: output + ".out")
            try? FileManager.default.removeItem(atPath: output + ".err")
        }
        var environment = variables
        environment["ROOT"] = TestDatabase.repositoryRoot.path
        environment["PATH"] = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        environment["OUT"] = output
        let arguments = ["/bin/bash", "-c", "{\n\(script)\n} >\"$OUT.out\" 2>\"$OUT.err\" </dev/null"]
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        // The server the script starts must not keep this process's descriptors (its sockets,
        // listeners, pipes) open for as long as it runs: the child closes all but 0-2.
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for descriptor in open.compactMap({ Int32($0) }) where descriptor > 2 {
            posix_spawn_file_actions_addclose(&actions, descriptor)
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/bash", &actions, nil, argv, envp)
        guard spawned == 0 else { throw TestSupportError("bash did not start (\(spawned))") }
        var status: Int32 = 0
        while true {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid { break }
            guard reaped == 0 || errno == EINTR else { throw TestSupportError("waitpid failed (\(errno))") }
            try await Task.sleep(for: .milliseconds(50))
        }
        let exited = status & 0x7f == 0
        return CommandRun(
            status: exited ? (status >> 8) & 0xff : 128 + (status & 0x7f),
            standardOutput: (try? String(contentsOfFile: output + ".out", encoding: .utf8)) ?? "",
            standardError: (try? String(contentsOfFile: output + ".err", encoding: .utf8)) ?? "")
    }
}
