import Crypto
import Foundation
import Logging
import Postgres
import ServiceKit
import ServiceLifecycle

/// Loads the shipped administrative-unit lists into `registry.admin_units` and
/// `registry.admin_unit_mapping` once the migrations are applied, in one transaction, and only when
/// the files differ from what is loaded (their SHA-256 is kept in `registry.reference_loads`).
/// Several replicas starting at once are safe (advisory lock). Keeps the service not ready meanwhile.
struct AdminUnitLoader: Service {
    static let holdReason = "administrative units are loading"
    let environment: ServiceEnvironment

    /// The three shipped files, read from the registry's bundle.
    struct Files {
        let current: String
        let legacy: String
        let mapping: String

        static func shipped() throws -> Files {
            func read(_ name: String) throws -> String {
                guard let url = Bundle.module.url(forResource: name, withExtension: "csv", subdirectory: "ReferenceData") else {
                    throw AdminUnitLoadError(description: "\(name).csv is missing from the registry's bundle")
                }
                return try String(contentsOf: url, encoding: .utf8)
            }
            return Files(
                current: try read("vn-admin-units-2025"), legacy: try read("vn-admin-units-legacy"),
                mapping: try read("vn-admin-units-2025-mapping"))
        }

        var checksum: String {
            var hasher = SHA256()
            for text in [current, legacy, mapping] {
                hasher.update(data: Data(text.utf8))
                hasher.update(data: Data([0]))
            }
            return hasher.finalize().map { String(format: "%02x", $0) }.joined()
        }
    }

    func run() async throws {
        // Stop waiting (for migrations, or between retries) as soon as the service is asked to stop.
        try? await cancelWhenGracefulShutdown { try await load() }
        // A service that returns would stop the whole group: stay until shutdown.
        try? await gracefulShutdown()
    }

    private func load() async throws {
        try await environment.readiness.waitUntilMigrated()
        let backoff = Backoff(initial: .milliseconds(200), maximum: .seconds(10))
        var attempt = 0
        while !Task.isCancelled {
            do {
                let loaded = try await Self.load(Files.shipped(), database: environment.database)
                if loaded > 0 { environment.logger.info("Administrative units loaded", metadata: ["registry.admin_units.rows": "\(loaded)"]) }
                environment.readiness.release(Self.holdReason)
                return
            } catch {
                environment.logger.error("Loading administrative units failed; retrying", metadata: ["error": "\(error)"])
                try await Task.sleep(for: backoff.delay(attempt: attempt))
                attempt += 1
            }
        }
    }

    /// Loads `files` unless they are loaded already; returns the rows written (0 when unchanged).
    static func load(_ files: Files, database: PostgresClient) async throws -> Int {
        let checksum = files.checksum
        return try await database.withTransaction { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(hashtextextended('registry.admin_units', 0))")
            let current = try await connection.query("SELECT checksum FROM registry.reference_loads WHERE name = 'admin-units'")
            if try current.first?.decode(String.self, at: 0) == checksum { return 0 }
            let units = try AdminUnitRows.parse(files)
            try await connection.query("DELETE FROM registry.admin_unit_mapping")
            try await connection.query("DELETE FROM registry.admin_units")
            for batch in stride(from: 0, to: units.units.count, by: 2000) {
                try await AdminUnitRows.insert(units.units[batch..<min(batch + 2000, units.units.count)], on: connection)
            }
            for batch in stride(from: 0, to: units.mapping.count, by: 5000) {
                let slice = units.mapping[batch..<min(batch + 5000, units.mapping.count)]
                try await connection.query(
                    """
                    INSERT INTO registry.admin_unit_mapping (legacy_commune_code, commune_code, kind)
                    SELECT * FROM unnest(\(slice.map(\.legacy))::text[], \(slice.map(\.current))::text[], \(slice.map(\.kind))::text[])
                    """)
            }
            let rows = units.units.count + units.mapping.count
            try await connection.query(
                """
                INSERT INTO registry.reference_loads (name, checksum, rows) VALUES ('admin-units', \(checksum), \(rows))
                ON CONFLICT (name) DO UPDATE SET checksum = excluded.checksum, rows = excluded.rows, loaded_at = now()
                """)
            return rows
        }
    }
}

struct AdminUnitLoadError: Error, CustomStringConvertible {
    let description: String
}
