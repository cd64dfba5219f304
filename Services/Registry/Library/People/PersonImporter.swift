import Access
import Audit
import ContractValues
import EventBus
import Foundation
import Hummingbird
import Postgres
import RegistryContracts
import Rules
import ServiceKit

/// Imports people from a CSV file (see `ImportRow` for the columns): every row is checked, the
/// good ones are written in batches (people, residences, statuses, history, audit entries and
/// events, each batch one transaction), and the report lists the rejected rows with their
/// reasons. Importing the same file again creates nothing: a row whose national id is registered,
/// or (without one) whose folded name, birth year and commune match someone registered, counts as
/// existing.
struct PersonImporter: Sendable {
    let environment: ServiceEnvironment
    let publisher: EventPublisher
    var batchSize = 1000
    /// Batches written at the same time, each in its own transaction on its own connection: while
    /// PostgreSQL writes one, the next is read and sent. Batches never compete for the same person
    /// (repeats within the file are rejected as they are read).
    var parallelBatches = 2
    /// Most rejections listed in the report (all are counted).
    var listedRejections = 1000

    struct Report: Codable, Sendable, ResponseEncodable {
        let rows: Int
        let created: Int
        let existing: Int
        let rejected: Int
        let rejections: [ImportRejection]
    }

    /// The largest file an import takes (`IMPORT_MAX_MB`; 413 above it, before anything is read).
    var maxBytes: Int { environment.configuration.importMaxBytes }

    /// Imports the file `bytes` delivers (at most `maxBytes`), reading it as it arrives: rows are
    /// checked as they come and written a batch at a time while the rest is still being read, so
    /// memory stays bounded whatever the file's size. An upload cut short leaves the batches
    /// already written; sending the file again completes it (registered rows count as existing).
    func run<Bytes: AsyncSequence>(bytes: Bytes, identity: Identity, context: AppRequestContext) async throws -> Report
    where Bytes.Element == ByteBuffer {
        let rowContext = try await loadContext(identity)
        var parser = CSVParser()
        var state = ReadState()
        var received = 0
        let created = try await withThrowingTaskGroup(of: Int.self) { group in
            var created = 0
            var inFlight = 0
            /// Writes `batch`, first waiting for a transaction to finish when `parallelBatches` are.
            func submit(_ batch: [ImportRow]) async throws {
                if inFlight == parallelBatches, let count = try await group.next() {
                    created += count
                    inFlight -= 1
                }
                group.addTask { try await write(batch[...], identity, context) }
                inFlight += 1
            }
            var ended = false
            var iterator = bytes.makeAsyncIterator()
            while !ended {
                if let chunk = try await iterator.next() {
                    received += chunk.readableBytes
                    guard received <= maxBytes else { throw tooLarge }
                    parser.feed(chunk.readableBytesView)
                } else {
                    parser.end()
                    ended = true
                }
                while let record = parser.next() {
                    if let batch = try state.take(record, rowContext, batchSize: batchSize, listing: listedRejections) { try await submit(batch) }
                }
            }
            guard state.columns != nil else { throw ProblemDetails.badRequest("The file is empty; it needs a header row.") }
            if !state.batch.isEmpty { try await submit(state.batch) }
            for try await count in group { created += count }
            return created
        }
        try await environment.audit.record(
            AuditEntry(
                identity, context, action: "import", resource: "person-import",
                detail: ["rows": String(state.rows), "created": String(created), "rejected": String(state.rejected)]))
        return Report(
            rows: state.rows, created: created, existing: state.accepted - created, rejected: state.rejected, rejections: state.rejections)
    }

    /// The 413 for a file over `maxBytes`.
    var tooLarge: ProblemDetails {
        ProblemDetails(
            type: ProblemDetails.typeBase + "too-large", title: "Request body too large", status: .contentTooLarge,
            detail: "An import file may be at most \(maxBytes >> 20) MiB: split it and send the parts one after the other.")
    }

    /// What reading the file has found so far: the header's columns, the rows of the batch being
    /// filled, counts, the rejections to list, and what earlier rows held (to catch repeats).
    struct ReadState {
        var columns: [String: Int]?
        var batch: [ImportRow] = []
        var rows = 0
        var accepted = 0
        var rejected = 0
        var rejections: [ImportRejection] = []
        var seenIDs: [String: Int] = [:]
        var seenPeople: [String: Int] = [:]

        /// Takes one record (the header first); returns a full batch to write, if this filled one.
        mutating func take(_ record: CSVReader.Record, _ context: ImportRow.Context, batchSize: Int, listing: Int) throws -> [ImportRow]? {
            guard let columns else {
                columns = try Self.columns(of: record)
                return nil
            }
            if record.fields.allSatisfy({ $0.unicodeScalars.allSatisfy(\.properties.isWhitespace) }) { return nil }
            rows += 1
            var outcome = ImportRow.read(line: record.line, fields: record.fields, malformed: record.malformed, columns: columns, context: context)
            if case .success(let row) = outcome {
                if let id = row.nationalID?.value {
                    if let first = seenIDs[id] {
                        outcome = .failure(ImportRejection(line: row.line, problems: [.init(column: "national_id", detail: "repeats line \(first)")]))
                    } else {
                        seenIDs[id] = row.line
                    }
                } else {
                    let key = PersonImporter.matchKey(row.searchName, row.birthYear, row.communeCode)
                    if let first = seenPeople[key] {
                        outcome = .failure(
                            ImportRejection(line: row.line, problems: [.init(column: "full_name", detail: "the same person as line \(first)")]))
                    } else {
                        seenPeople[key] = row.line
                    }
                }
            }
            switch outcome {
            case .success(let row):
                accepted += 1
                batch.append(row)
                guard batch.count >= batchSize else { return nil }
                defer { batch = [] }
                return batch
            case .failure(let rejection):
                rejected += 1
                if rejections.count < listing { rejections.append(rejection) }
                return nil
            }
        }

        /// The header's columns by name; 422 naming unknown, repeated and missing ones.
        static func columns(of header: CSVReader.Record) throws -> [String: Int] {
            var columns: [String: Int] = [:]
            var validator = FieldValidator()
            for (index, name) in header.fields.enumerated() {
                let column = name.trimmingCharacters(in: .whitespaces).lowercased()
                if ImportRow.required.contains(column) || ImportRow.optional.contains(column) {
                    if columns[column] != nil { validator.add("header/\(column)", "appears twice") }
                    columns[column] = index
                } else {
                    validator.add("header/\(column)", "is not a column of the import format")
                }
            }
            for column in ImportRow.required where columns[column] == nil { validator.add("header/\(column)", "is missing") }
            try validator.finish()
            return columns
        }
    }

    static func matchKey(_ searchName: String, _ birthYear: Int, _ commune: String) -> String {
        "\(searchName)|\(birthYear)|\(commune)"
    }

    private func loadContext(_ identity: Identity) async throws -> ImportRow.Context {
        try await environment.database.withConnection { connection in
            let units = AdminUnitStore(connection: connection)
            let communes = try await units.communeProvinces()
            let provinces = try await units.legacyProvinceCodes()
            return ImportRow.Context(
                communes: communes, legacyProvinces: Set(provinces), today: .today(),
                mayPlace: { PersonScope.mayPlace(identity, commune: $0, province: $1) })
        }
    }

    /// Writes the rows of one batch that are not registered yet; returns how many it created.
    private func write(_ batch: ArraySlice<ImportRow>, _ identity: Identity, _ context: AppRequestContext) async throws -> Int {
        try await environment.database.withTransaction { connection in
            let store = PersonStore(connection: connection)
            let registeredIDs = try await store.registeredNationalIDs(
                batch.compactMap { $0.nationalID?.value }, visible: PersonScope.condition(identity))
            // A national id registered outside the caller's jurisdiction counts as existing, and the
            // match is on the audit trail (the report names no one).
            try await environment.audit.record(
                registeredIDs.values.filter { !$0.visible }.map { $0.auditEntry(identity, context, by: "nationalId") })
            let registeredPeople = try await store.registeredMatches(
                batch.filter { $0.nationalID == nil }.map { ($0.searchName, $0.birthYear, $0.communeCode) })
            let fresh = batch.filter { row in
                if let id = row.nationalID?.value { return registeredIDs[id] == nil }
                return !registeredPeople.contains(Self.matchKey(row.searchName, row.birthYear, row.communeCode))
            }
            guard !fresh.isEmpty else { return 0 }
            let personIDs = fresh.map { _ in UUID() }
            let today = CalendarDate.today()
            let inserted = try await store.insert(
                zip(personIDs, fresh).map { id, row in
                    NewPerson(
                        id: id, fullName: row.fullName, searchName: row.searchName, birthDate: row.birthDate, birthYear: row.birthYear,
                        sex: row.sex, ethnicity: row.ethnicity, nationalID: row.nationalID, communeCode: row.communeCode,
                        provinceCode: row.provinceCode, address: row.address, residenceSince: today, phone: row.phone,
                        occupation: row.occupation, education: row.education, substances: row.substances, notes: row.notes)
                }, by: identity.id)
            let rows = zip(personIDs, fresh).filter { inserted.contains($0.0) }
            guard !rows.isEmpty else { return 0 }
            let ids = rows.map(\.0)
            let managed = rows.filter { $0.1.decisionDate != nil }
            let managedUntil = managed.map { ManagementPeriod.drugUser(decidedOn: $0.1.decisionDate!).end(from: $0.1.decisionDate!) }
            try await store.insertStatuses(
                zip(managed, managedUntil).map { person, until in
                    DatedStatus(
                        personID: person.0, status: .drugUser, validFrom: person.1.decisionDate!, validTo: until, basis: person.1.decisionNumber)
                }, by: identity.id)
            try await store.recordChanges(
                rows.map { id, row in
                    ChangeRecord(
                        person: id, version: 1, by: identity, communeCode: row.communeCode, action: "import",
                        changes: Self.snapshot(row, today: today))
                })
            try await AuditLog.append(
                ids.map {
                    AuditEntry(identity, context, action: "import", resource: "person", resourceID: $0.lowercasedString, personID: $0)
                }, on: connection)
            try await publisher.publish(
                batch: rows.map { id, row in
                    PersonEvents.Registered(
                        personId: id, communeCode: row.communeCode, provinceCode: row.provinceCode, residenceSince: today,
                        sex: try Sex.parse(row.sex),
                        birthYear: row.birthYear,
                        ethnicity: row.ethnicity, substances: row.substances, registeredOn: today)
                }, on: connection)
            try await publisher.publish(
                batch: zip(managed, managedUntil).map { person, until in
                    PersonEvents.StatusChanged(
                        personId: person.0, status: .drugUser, validFrom: person.1.decisionDate!, validTo: until,
                        communeCode: person.1.communeCode)
                }, on: connection)
            return rows.count
        }
    }

    /// The history record of an imported person: every field as a new value.
    static func snapshot(_ row: ImportRow, today: CalendarDate) -> [String: JSONValue] {
        let values = PersonHistory.values(
            fullName: row.fullName, birthDate: row.birthDate?.description, birthYear: row.birthYear, sex: row.sex,
            ethnicity: row.ethnicity, nationalID: row.nationalID?.value, phone: row.phone, occupation: row.occupation,
            education: row.education, substances: row.substances, notes: row.notes, communeCode: row.communeCode,
            address: row.address, since: today.description)
        return PersonHistory.snapshot(values)
    }
}
