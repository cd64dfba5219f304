import Foundation

/// One schema change of a service: a numbered SQL script, applied once, in order.
public struct Migration: Sendable, Hashable {
    /// Position in the sequence (from the file name `0001_create_people.sql`).
    public let version: Int
    /// The descriptive part of the file name (`create_people`).
    public let name: String
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// Loads `NNNN_name.sql` files from `directory`, ordered by version; throws on a malformed
    /// name or a duplicate version.
    public static func load(from directory: URL) throws -> [Migration] {
        let files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "sql" }
        var migrations: [Migration] = []
        for file in files {
            let stem = file.deletingPathExtension().lastPathComponent
            guard let separator = stem.firstIndex(of: "_"), let version = Int(stem[..<separator]), version > 0 else {
                throw MigrationError.malformedFileName(file.lastPathComponent)
            }
            let sql = try String(contentsOf: file, encoding: .utf8)
            migrations.append(Migration(version: version, name: String(stem[stem.index(after: separator)...]), sql: sql))
        }
        migrations.sort { $0.version < $1.version }
        for (previous, next) in zip(migrations, migrations.dropFirst()) where previous.version == next.version {
            throw MigrationError.duplicateVersion(next.version)
        }
        return migrations
    }

    /// The resource folder `Migrations` copied into a service module's bundle.
    public static func load(bundle: Bundle, folder: String = "Migrations") throws -> [Migration] {
        guard let url = bundle.url(forResource: folder, withExtension: nil) else {
            throw MigrationError.missingResources(folder)
        }
        return try load(from: url)
    }
}
