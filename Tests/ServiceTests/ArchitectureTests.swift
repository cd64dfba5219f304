import Foundation
import TestSupport
import Testing

/// The lines `docs/architecture.md` says are never crossed, checked on `Package.swift` itself
/// (`swift package dump-package`): no service library imports another service's library, and
/// nothing under `Shared/` imports a service.
@Suite("Architecture: target dependencies never cross the lines")
struct ArchitectureTests {
    /// A target of the manifest: its folder and the targets and products it depends on.
    struct Target {
        let name: String
        let path: String
        let dependencies: [String]
    }

    /// The crossings in `targets`, one line each.
    static func violations(_ targets: [Target]) -> [String] {
        let paths = Dictionary(targets.map { ($0.name, $0.path) }, uniquingKeysWith: { first, _ in first })
        /// `Services/Registry/Library` → `Registry`; nil outside `Services/`.
        func service(_ path: String) -> String? {
            let parts = path.split(separator: "/")
            return parts.count >= 2 && parts[0] == "Services" ? String(parts[1]) : nil
        }
        var found: [String] = []
        for target in targets {
            for dependency in target.dependencies {
                guard let dependencyPath = paths[dependency], let owner = service(dependencyPath) else { continue }
                if target.path.hasPrefix("Shared/") {
                    found.append("\(target.name) (\(target.path)) depends on the service target \(dependency) (\(dependencyPath))")
                } else if let own = service(target.path), own != owner {
                    found.append("\(target.name) of service \(own) depends on \(dependency) of service \(owner): share a contract module instead")
                }
            }
        }
        return found
    }

    /// The targets of the repository's `Package.swift`.
    static func manifestTargets() throws -> [Target] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        // A scratch path of its own: the running `swift test` may hold the lock of `.build`.
        let scratch = FileManager.default.temporaryDirectory.appending(path: "recovery-dump-package-\(getpid())")
        defer { try? FileManager.default.removeItem(at: scratch) }
        process.arguments = ["swift", "package", "--package-path", TestDatabase.repositoryRoot.path, "--scratch-path", scratch.path, "dump-package"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "swift package dump-package failed")
        let manifest = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let targets = try #require(manifest["targets"] as? [[String: Any]])
        return targets.map { target in
            let dependencies = (target["dependencies"] as? [[String: Any]] ?? []).compactMap { dependency in
                // {"byName": ["Postgres", null]}, {"target": [...]}, {"product": ["Logging", "swift-log", ...]}
                dependency.values.compactMap { ($0 as? [Any])?.first as? String }.first
            }
            return Target(name: target["name"] as? String ?? "", path: target["path"] as? String ?? "", dependencies: dependencies)
        }
    }

    @Test func thePackageCrossesNoLine() throws {
        let targets = try Self.manifestTargets()
        #expect(targets.contains { $0.name == "Registry" && $0.dependencies.contains("TreatmentContracts") })
        #expect(Self.violations(targets) == [])
    }

    @Test func aServiceImportingAnotherOrSharedImportingAServiceIsCaught() {
        let targets = [
            Target(name: "Registry", path: "Services/Registry/Library", dependencies: ["Treatment", "EventBus"]),
            Target(name: "RegistryMain", path: "Services/Registry/Executable", dependencies: ["Registry"]),
            Target(name: "Treatment", path: "Services/Treatment/Library", dependencies: ["TreatmentContracts"]),
            Target(name: "TreatmentContracts", path: "Shared/Contracts/Treatment", dependencies: ["EventBus"]),
            Target(name: "EventBus", path: "Shared/EventBus", dependencies: ["Registry"]),
        ]
        #expect(
            Self.violations(targets) == [
                "Registry of service Registry depends on Treatment of service Treatment: share a contract module instead",
                "EventBus (Shared/EventBus) depends on the service target Registry (Services/Registry/Library)",
            ])
    }

    /// Route files and event handlers hold no SQL: stores (and migrations) do.
    @Test func routeFilesAndEventHandlersHoldNoSQL() throws {
        let services = TestDatabase.repositoryRoot.appending(path: "Services")
        let files = try #require(FileManager.default.enumerator(at: services, includingPropertiesForKeys: nil))
            .compactMap { $0 as? URL }
            .filter { $0.pathExtension == "swift" && ($0.lastPathComponent.contains("Routes") || $0.lastPathComponent.contains("Handler")) }
        #expect(files.count >= 10)
        let sql = try Regex(#"\b(SELECT|INSERT INTO|UPDATE [a-z_]+\.|DELETE FROM)\b|\.query\("#)
        var found: [String] = []
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where line.contains(sql) {
                found.append("\(file.lastPathComponent):\(number + 1): \(line.trimmingCharacters(in: .whitespaces))")
            }
        }
        #expect(found == [], "SQL belongs in a store: \(found.joined(separator: "; "))")
    }
}
