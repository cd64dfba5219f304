/// Why migrations could not be loaded or applied. Each case says what an operator must do.
public enum MigrationError: Error, Sendable, CustomStringConvertible, Equatable {
    case malformedFileName(String)
    case duplicateVersion(Int)
    case missingResources(String)
    case schemaMissing(String)
    /// An applied migration's text differs from the one shipped: the database and the build disagree.
    case checksumMismatch(schema: String, version: Int, name: String, applied: String, shipped: String)
    /// The database has a migration this build does not know (a newer build ran before).
    case unknownAppliedMigration(schema: String, version: Int, name: String)

    public var description: String {
        switch self {
        case .malformedFileName(let file):
            return "migration file \(file) must be named NNNN_description.sql"
        case .duplicateVersion(let version):
            return "two migration files share version \(version)"
        case .missingResources(let folder):
            return "the migration folder \(folder) is missing from the service's resources"
        case .schemaMissing(let schema):
            return "schema \(schema) does not exist or is not usable by this role: run deploy/sql/setup.sql as a superuser first"
        case .checksumMismatch(let schema, let version, let name, let applied, let shipped):
            return "migration \(schema) \(version)_\(name) was changed after it was applied "
                + "(applied checksum \(applied.prefix(12)), shipped \(shipped.prefix(12))); "
                + "never edit an applied migration: restore it and add a new one"
        case .unknownAppliedMigration(let schema, let version, let name):
            return "the database has migration \(schema) \(version)_\(name), which this build does not ship; "
                + "a newer version of the service has run against this database"
        }
    }
}
