import Access
import Audit
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
    /// Batches written at the same time, each in its own transaction (see `writeAll`).
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

    func run(csv: [UInt8], identity: Identity, context: AppRequestContext) async throws -> Report {
        var records = CSVReader(bytes: csv).makeIterator()
        guard let header = records.next() else { throw ProblemDetails.badRequest("The file is empty; it needs a header row.") }
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

        let rowContext = try await loadContext(identity)
        var accepted: [ImportRow] = []
        var rejections: [ImportRejection] = []
        var rejected = 0
        var rows = 0
        var seenIDs: [String: Int] = [:]
        var seenPeople: [String: Int] = [:]
        while let record = records.next() {
            if record.fields.allSatisfy({ $0.unicodeScalars.allSatisfy(\.properties.isWhitespace) }) { continue }
            rows += 1
            var outcome = ImportRow.read(line: record.line, fields: record.fields, columns: columns, context: rowContext)
            if case .success(let row) = outcome {
                if let id = row.nationalID?.value {
                    if let first = seenIDs[id] {
                        outcome = .failure(ImportRejection(line: row.line, problems: [.init(column: "national_id", detail: "repeats line \(first)")]))
                    } else {
                        seenIDs[id] = row.line
                    }
                } else {
                    let key = Self.matchKey(row.searchName, row.birthYear, row.communeCode)
                    if let first = seenPeople[key] {
                        outcome = .failure(
                            ImportRejection(line: row.line, problems: [.init(column: "full_name", detail: "the same person as line \(first)")]))
                    } else {
                        seenPeople[key] = row.line
                    }
                }
            }
            switch outcome {
            case .success(let row): accepted.append(row)
            case .failure(let rejection):
                rejected += 1
                if rejections.count < listedRejections { rejections.append(rejection) }
            }
        }
        let created = try await writeAll(accepted, identity, context)
        try await environment.audit.record(
            AuditEntry(
                identity, context, action: "import", resource: "person-import",
                detail: ["rows": String(rows), "created": String(created), "rejected": String(rejected)]))
        return Report(rows: rows, created: created, existing: accepted.count - created, rejected: rejected, rejections: rejections)
    }

    static func matchKey(_ searchName: String, _ birthYear: Int, _ commune: String) -> String {
        "\(searchName)|\(birthYear)|\(commune)"
    }

    private func loadContext(_ identity: Identity) async throws -> ImportRow.Context {
        try await environment.database.withConnection { connection in
            var communes: [String: String] = [:]
            for row in try await connection.query(
                "SELECT code, province_code FROM registry.admin_units WHERE generation = \(AdminUnitGeneration.current) AND level = 'commune'")
            {
                let (code, province) = try row.decode((String, String).self)
                communes[code] = province
            }
            let provinces = try await connection.query(
                "SELECT code FROM registry.admin_units WHERE generation = \(AdminUnitGeneration.legacy) AND level = 'province'"
            ).map { try $0.decode(String.self, at: 0) }
            return ImportRow.Context(
                communes: communes, legacyProvinces: Set(provinces), today: .today(),
                mayPlace: { PersonScope.mayPlace(identity, commune: $0, province: $1) })
        }
    }

    /// Writes `rows` in batches, `parallelBatches` transactions at a time on as many connections:
    /// while PostgreSQL writes one batch, the next is prepared and sent. Batches never compete for
    /// the same person (the rows were de-duplicated in the file before). Returns how many it created.
    private func writeAll(_ rows: [ImportRow], _ identity: Identity, _ context: AppRequestContext) async throws -> Int {
        try await withThrowingTaskGroup(of: Int.self) { group in
            var created = 0
            var inFlight = 0
            for start in stride(from: 0, to: rows.count, by: batchSize) {
                if inFlight == parallelBatches, let count = try await group.next() {
                    created += count
                    inFlight -= 1
                }
                let batch = rows[start..<min(start + batchSize, rows.count)]
                group.addTask { try await write(batch, identity, context) }
                inFlight += 1
            }
            for try await count in group { created += count }
            return created
        }
    }

    /// Writes the rows of one batch that are not registered yet; returns how many it created.
    private func write(_ batch: ArraySlice<ImportRow>, _ identity: Identity, _ context: AppRequestContext) async throws -> Int {
        try await environment.database.withTransaction { connection in
            let nationalIDs = batch.compactMap { $0.nationalID?.value }
            let registeredIDs = Set(
                try await connection.query(
                    "SELECT national_id FROM registry.people WHERE national_id = ANY(\(nationalIDs)::text[])"
                ).map { try $0.decode(String.self, at: 0) })
            let unnamed = batch.filter { $0.nationalID == nil }
            let registeredPeople = Set(
                try await connection.query(
                    """
                    SELECT p.search_name || '|' || p.birth_year || '|' || p.residence_commune_code
                    FROM registry.people p
                    JOIN unnest(\(unnamed.map(\.searchName))::text[], \(unnamed.map(\.birthYear))::int[], \(unnamed.map(\.communeCode))::text[])
                        AS k(n, y, c) ON p.search_name = k.n AND p.birth_year = k.y AND p.residence_commune_code = k.c
                    """
                ).map { try $0.decode(String.self, at: 0) })
            let fresh = batch.filter { row in
                if let id = row.nationalID?.value { return !registeredIDs.contains(id) }
                return !registeredPeople.contains(Self.matchKey(row.searchName, row.birthYear, row.communeCode))
            }
            guard !fresh.isEmpty else { return 0 }
            let personIDs = fresh.map { _ in UUID() }
            let today = CalendarDate.today()
            let inserted = Set(
                try await connection.query(
                    """
                    INSERT INTO registry.people (id, full_name, search_name, birth_date, birth_year, sex, ethnicity, national_id,
                        national_id_kind, residence_commune_code, residence_province_code, residence_address, residence_since, phone,
                        occupation, education, substances, notes, created_by)
                    SELECT id, n, sn, bd, by, sx, eth, nid, nk, cc, pc, addr, \(today), ph, occ, edu,
                           CASE WHEN subs = '' THEN '{}'::text[] ELSE string_to_array(subs, ';') END, nt, \(identity.id)
                    FROM unnest(
                        \(personIDs)::uuid[], \(fresh.map(\.fullName))::text[], \(fresh.map(\.searchName))::text[],
                        \(fresh.map(\.birthDate))::date[], \(fresh.map(\.birthYear))::int[], \(fresh.map(\.sex))::text[],
                        \(fresh.map(\.ethnicity))::text[], \(fresh.map { $0.nationalID?.value })::text[],
                        \(fresh.map { $0.nationalID?.kind.rawValue })::text[], \(fresh.map(\.communeCode))::text[],
                        \(fresh.map(\.provinceCode))::text[], \(fresh.map(\.address))::text[], \(fresh.map(\.phone))::text[],
                        \(fresh.map(\.occupation))::text[], \(fresh.map(\.education))::text[],
                        \(fresh.map { $0.substances.joined(separator: ";") })::text[], \(fresh.map(\.notes))::text[])
                        AS r(id, n, sn, bd, by, sx, eth, nid, nk, cc, pc, addr, ph, occ, edu, subs, nt)
                    ON CONFLICT (national_id) DO NOTHING
                    RETURNING id
                    """
                ).map { try $0.decode(UUID.self, at: 0) })
            let rows = zip(personIDs, fresh).filter { inserted.contains($0.0) }
            guard !rows.isEmpty else { return 0 }
            let ids = rows.map(\.0)
            let people = rows.map(\.1)
            try await connection.query(
                """
                INSERT INTO registry.residences (person_id, from_date, commune_code, province_code, address, recorded_by)
                SELECT id, \(today), c, p, a, \(identity.id)
                FROM unnest(\(ids)::uuid[], \(people.map(\.communeCode))::text[], \(people.map(\.provinceCode))::text[],
                            \(people.map(\.address))::text[]) AS r(id, c, p, a)
                """)
            let managed = rows.filter { $0.1.decisionDate != nil }
            let managedUntil = managed.map { ManagementPeriod.drugUser(decidedOn: $0.1.decisionDate!).end(from: $0.1.decisionDate!) }
            if !managed.isEmpty {
                try await connection.query(
                    """
                    INSERT INTO registry.person_statuses (person_id, valid_from, valid_to, status, basis, recorded_by)
                    SELECT id, d, u, 'drug_user', b, \(identity.id)
                    FROM unnest(\(managed.map(\.0))::uuid[], \(managed.map { $0.1.decisionDate })::date[], \(managedUntil)::date[],
                                \(managed.map { $0.1.decisionNumber })::text[]) AS r(id, d, u, b)
                    """)
            }
            let snapshots = people.map { Self.snapshot($0, today: today) }
            try await connection.query(
                """
                INSERT INTO registry.person_changes (person_id, version, changed_by, changed_by_label, commune_code, action, changes)
                SELECT id, 1, \(identity.id), \(identity.label), c, 'import', s::jsonb
                FROM unnest(\(ids)::uuid[], \(people.map(\.communeCode))::text[], \(snapshots)::text[]) AS r(id, c, s)
                """)
            try await AuditLog.append(
                ids.map {
                    AuditEntry(identity, context, action: "import", resource: "person", resourceID: $0.lowercasedString, personID: $0)
                }, on: connection)
            try await publisher.publish(
                batch: rows.map { id, row in
                    PersonEvents.Registered(
                        personId: id, communeCode: row.communeCode, provinceCode: row.provinceCode, sex: row.sex, birthYear: row.birthYear,
                        ethnicity: row.ethnicity, substances: row.substances, registeredOn: today)
                }, on: connection)
            try await publisher.publish(
                batch: zip(managed, managedUntil).map { person, until in
                    PersonEvents.StatusChanged(
                        personId: person.0, status: "drug_user", validFrom: person.1.decisionDate!, validTo: until,
                        communeCode: person.1.communeCode)
                }, on: connection)
            return rows.count
        }
    }

    /// The history record of an imported person: every field as a new value.
    static func snapshot(_ row: ImportRow, today: CalendarDate) -> String {
        let values = PersonHistory.values(
            fullName: row.fullName, birthDate: row.birthDate?.description, birthYear: row.birthYear, sex: row.sex,
            ethnicity: row.ethnicity, nationalID: row.nationalID?.value, phone: row.phone, occupation: row.occupation,
            education: row.education, substances: row.substances, notes: row.notes, communeCode: row.communeCode,
            address: row.address, since: today.description)
        return JSONValue.object(PersonHistory.snapshot(values)).text
    }
}
