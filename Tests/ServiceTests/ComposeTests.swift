import Foundation
import Postgres
import TestSupport
import Testing

/// `docker-compose.yml` and `deploy/Dockerfile` cannot be run here (no Docker engine), so they
/// are checked against what they describe: the compose file against the Compose Specification
/// schema, each service started as a local process with exactly the compose environment (the
/// `postgres` host mapped to the test database), and the image's binaries against the package's
/// products.
@Suite("Deployment files agree with the code", .serialized, .timeLimit(.minutes(3)))
struct ComposeTests {
    static let services = ["registry", "treatment", "referrals", "statistics"]

    struct ComposeService: Decodable {
        let command: [String]?
        let environment: [String: String]
        let ports: [String]
        let healthcheck: [String]?
    }

    static func compose(file: String? = nil) throws -> (status: Int32, services: [String: ComposeService]?, errors: String) {
        var arguments = [TestDatabase.repositoryRoot.appending(path: "deploy/compose/check.py").path, "--json"]
        if let file { arguments += ["--file", file] }
        let run = try CommandRun.run("/usr/bin/env", ["python3"] + arguments, environment: [:], absolute: true)
        guard run.status == 0 else { return (run.status, nil, run.standardError) }
        return (0, try JSONDecoder().decode([String: ComposeService].self, from: Data(run.standardOutput.utf8)), run.standardError)
    }

    @Test func theComposeFileIsValidAndAnInvalidOneIsCaught() throws {
        let valid = try Self.compose()
        #expect(valid.status == 0, "\(valid.errors)")
        let broken = FileManager.default.temporaryDirectory.appending(path: "compose-\(UUID()).yml")
        try "services:\n  registry:\n    image: x\n    helthcheck: {}\n".write(to: broken, atomically: true, encoding: .utf8)
        let invalid = try Self.compose(file: broken.path)
        #expect(invalid.status == 1)
        #expect(invalid.errors.contains("helthcheck"))
    }

    @Test(arguments: services)
    func eachServiceStartsWithTheComposeEnvironment(_ name: String) async throws {
        let services = try #require(try Self.compose().services)
        let service = try #require(services[name])
        // The command runs one of the image's binaries; the health check asks for /readyz on PORT.
        let command = try #require(service.command)
        #expect(command == ["/app/\(name)", "serve"])
        let port = try #require(service.environment["PORT"])
        #expect(service.ports == ["\(port):\(port)"])
        #expect(service.healthcheck?.last == "http://127.0.0.1:\(port)/readyz")
        #expect(service.environment["LOG_FORMAT"] == "json")

        try await withTestDatabase("compose_\(name)") { database in
            if name != "registry" { try await ServiceProcess.migrateRegistry(in: database) }
            // DATABASE_URL as compose gives it, pointed at the test database instead of host `postgres`.
            let composeURL = try #require(service.environment["DATABASE_URL"])
            let url = try #require(URLComponents(string: composeURL))
            #expect(url.host == "postgres")
            #expect(url.user == name)
            let test = try #require(URLComponents(string: try TestDatabase.clusterURL))
            var local = url
            local.host = test.host
            local.port = test.port
            local.path = "/" + database.name
            var environment = service.environment
            environment["DATABASE_URL"] = local.string
            // Its published port may be taken on a test machine; everything else is as compose says.
            let freePort = try HTTPProbe.freePort()
            environment["PORT"] = String(freePort)
            // The registry's audit head goes to a folder of this machine instead of the volume.
            let anchorFolder = FileManager.default.temporaryDirectory.appending(path: "compose-anchor-\(UUID())")
            defer { try? FileManager.default.removeItem(at: anchorFolder) }
            if let file = environment["AUDIT_ANCHOR_FILE"] {
                #expect(file.hasPrefix("/var/lib/recovery/audit/"))
                try FileManager.default.createDirectory(at: anchorFolder, withIntermediateDirectories: true)
                environment["AUDIT_ANCHOR_FILE"] = anchorFolder.appending(path: "head.json").path
            }
            let process = try ServiceProcess(
                String(command[0].dropFirst("/app/".count)), arguments: Array(command.dropFirst()),
                port: freePort, environment: environment)
            let ready = try await process.waitFor("/readyz", status: 200)
            #expect(ready.body == #"{"status":"ready"}"#)
            #expect(try await process.stop() == 0)
        }
    }

    @Test func theImageCopiesEveryServiceBinaryThePackageBuilds() throws {
        let dockerfile = try String(contentsOf: TestDatabase.repositoryRoot.appending(path: "deploy/Dockerfile"), encoding: .utf8)
        let package = try String(contentsOf: TestDatabase.repositoryRoot.appending(path: "Package.swift"), encoding: .utf8)
        for name in Self.services {
            #expect(package.contains(#".executable(name: "\#(name)""#), "\(name) is a product")
            #expect(dockerfile.contains(#""$bin/\#(name)""#), "the image copies \(name)")
            #expect(FileManager.default.isExecutableFile(atPath: ServiceProcess.binDirectory.appending(path: name).path))
        }
        // Resource bundles (migrations, reference data) travel with the binaries.
        #expect(dockerfile.contains("*.resources"))
        #expect(dockerfile.contains("--static-swift-stdlib"))
        #expect(dockerfile.contains("libpq-dev") && dockerfile.contains("pkg-config") && dockerfile.contains("libpq5"))
        #expect(dockerfile.contains("USER recovery"))
    }
}
