import Access
import ContractValues
import EventBus
import Foundation
import Postgres
import ServiceKit

/// A person as registration and import first write them.
struct NewPerson: Sendable {
    let id: UUID
    let fullName: String
    let birthDate: CalendarDate?
    let birthYear: Int
    let sex: String
    let ethnicity: String?
    let nationalID: NationalID?
    let communeCode: String
    let provinceCode: String
    let address: String?
    /// Since when the person lives there (a registration's `residence.since`; an import's day).
    let residenceSince: CalendarDate
    let phone: String?
    let occupation: String?
    let education: String?
    let substances: [String]
    let notes: String?
    /// `fullName` folded for search (`SearchText.fold`).
    let searchName: String
    /// The commune of the list before 2025 the residence was recorded under, when it was
    /// (`communeCode` is then its 2025 commune by the official mapping).
    let legacyCommuneCode: String?

    init(
        id: UUID, fullName: String, searchName: String? = nil, birthDate: CalendarDate?, birthYear: Int, sex: String,
        ethnicity: String?, nationalID: NationalID?, communeCode: String, provinceCode: String, address: String?,
        residenceSince: CalendarDate, phone: String?, occupation: String?, education: String?, substances: [String], notes: String?,
        legacyCommuneCode: String? = nil
    ) {
        self.id = id
        self.fullName = fullName
        self.searchName = searchName ?? SearchText.fold(fullName)
        self.birthDate = birthDate
        self.birthYear = birthYear
        self.sex = sex
        self.ethnicity = ethnicity
        self.nationalID = nationalID
        self.communeCode = communeCode
        self.provinceCode = provinceCode
        self.address = address
        self.residenceSince = residenceSince
        self.phone = phone
        self.occupation = occupation
        self.education = education
        self.substances = substances
        self.notes = notes
        self.legacyCommuneCode = legacyCommuneCode
    }
}

/// A management status over a span of days (`validTo` exclusive; nil while open).
struct DatedStatus: Sendable {
    let personID: UUID
    let status: ManagementStatus
    let validFrom: CalendarDate
    let validTo: CalendarDate?
    /// The decision's number or the treatment event's reason.
    let basis: String?
}

/// One entry of a person's change history.
struct ChangeRecord: Sendable {
    let personID: UUID
    let version: Int
    /// The account, or nil for a change another service caused.
    let changedBy: UUID?
    let changedByLabel: String
    /// Where the person lived when the change was written (who may read it later).
    let communeCode: String
    let action: String
    let changes: [String: JSONValue]

    init(
        person: UUID, version: Int, by identity: Identity, communeCode: String, action: String, changes: [String: JSONValue]
    ) {
        self.init(
            person: person, version: version, changedBy: identity.id, label: identity.label, communeCode: communeCode, action: action,
            changes: changes)
    }

    init(
        person: UUID, version: Int, changedBy: UUID?, label: String, communeCode: String, action: String, changes: [String: JSONValue]
    ) {
        self.personID = person
        self.version = version
        self.changedBy = changedBy
        self.changedByLabel = label
        self.communeCode = communeCode
        self.action = action
        self.changes = changes
    }
}

/// The one way people are written: registration, import, changes, moves and the treatment status
/// consumer share these inserts and the dated-status rule.
extension PersonStore {
    /// Inserts `people` with their first residence; a national id registered meanwhile is
    /// skipped. Returns the ids inserted.
    func insert(_ people: [NewPerson], by account: UUID) async throws -> Set<UUID> {
        guard !people.isEmpty else { return [] }
        let inserted = Set(
            try await connection.query(
                """
                INSERT INTO registry.people (id, full_name, search_name, birth_date, birth_year, sex, ethnicity, national_id,
                    national_id_kind, residence_commune_code, residence_province_code, residence_address, residence_since, phone,
                    occupation, education, substances, notes, created_by)
                SELECT id, n, sn, bd, by, sx, eth, nid, nk, cc, pc, addr, since, ph, occ, edu,
                       CASE WHEN subs = '' THEN '{}'::text[] ELSE string_to_array(subs, ';') END, nt, \(account)
                FROM unnest(
                    \(people.map(\.id))::uuid[], \(people.map(\.fullName))::text[], \(people.map(\.searchName))::text[],
                    \(people.map(\.birthDate))::date[], \(people.map(\.birthYear))::int[], \(people.map(\.sex))::text[],
                    \(people.map(\.ethnicity))::text[], \(people.map { $0.nationalID?.value })::text[],
                    \(people.map { $0.nationalID?.kind.rawValue })::text[], \(people.map(\.communeCode))::text[],
                    \(people.map(\.provinceCode))::text[], \(people.map(\.address))::text[], \(people.map(\.residenceSince))::date[],
                    \(people.map(\.phone))::text[], \(people.map(\.occupation))::text[], \(people.map(\.education))::text[],
                    \(people.map { $0.substances.joined(separator: ";") })::text[], \(people.map(\.notes))::text[])
                    AS r(id, n, sn, bd, by, sx, eth, nid, nk, cc, pc, addr, since, ph, occ, edu, subs, nt)
                ON CONFLICT (national_id) DO NOTHING
                RETURNING id
                """
            ).map { try $0.decode(UUID.self, at: 0) })
        let placed = people.filter { inserted.contains($0.id) }
        if !placed.isEmpty {
            try await connection.query(
                """
                INSERT INTO registry.residences (person_id, from_date, commune_code, province_code, address, legacy_commune_code, recorded_by)
                SELECT id, f, c, p, a, l, \(account)
                FROM unnest(\(placed.map(\.id))::uuid[], \(placed.map(\.residenceSince))::date[], \(placed.map(\.communeCode))::text[],
                            \(placed.map(\.provinceCode))::text[], \(placed.map(\.address))::text[],
                            \(placed.map(\.legacyCommuneCode))::text[]) AS r(id, f, c, p, a, l)
                """)
        }
        return inserted
    }

    /// Which of `keys` (folded name, birth year, commune) match someone registered, as
    /// `PersonImporter.matchKey` spells them.
    func registeredMatches(_ keys: [(searchName: String, birthYear: Int, communeCode: String)]) async throws -> Set<String> {
        guard !keys.isEmpty else { return [] }
        return Set(
            try await connection.query(
                """
                SELECT p.search_name || '|' || p.birth_year || '|' || p.residence_commune_code
                FROM registry.people p
                JOIN unnest(\(keys.map(\.searchName))::text[], \(keys.map(\.birthYear))::int[], \(keys.map(\.communeCode))::text[])
                    AS k(n, y, c) ON p.search_name = k.n AND p.birth_year = k.y AND p.residence_commune_code = k.c
                """
            ).map { try $0.decode(String.self, at: 0) })
    }

    /// The people holding any of `nationalIDs`, by national id (`visible`: whether the caller may see them).
    func registeredNationalIDs(_ nationalIDs: [String], visible: SQLFragment) async throws -> [String: DuplicateMatch] {
        guard !nationalIDs.isEmpty else { return [:] }
        var matches: [String: DuplicateMatch] = [:]
        for row in try await connection.query(
            "SELECT p.national_id, p.id, (\(visible)) FROM registry.people p WHERE p.national_id = ANY(\(nationalIDs)::text[])")
        {
            let (nationalID, id, visible) = try row.decode((String, UUID, Bool).self)
            matches[nationalID] = DuplicateMatch(person: id, visible: visible)
        }
        return matches
    }

    /// Inserts the first statuses of people who have none yet (a registration's or an import's
    /// management decision).
    func insertStatuses(_ statuses: [DatedStatus], by account: UUID?) async throws {
        guard !statuses.isEmpty else { return }
        try await connection.query(
            """
            INSERT INTO registry.person_statuses (person_id, valid_from, valid_to, status, basis, recorded_by)
            SELECT id, f, t, s, b, \(account)
            FROM unnest(\(statuses.map(\.personID))::uuid[], \(statuses.map(\.validFrom))::date[], \(statuses.map(\.validTo))::date[],
                        \(statuses.map(\.status))::text[], \(statuses.map(\.basis))::text[]) AS r(id, f, t, s, b)
            """)
    }

    /// Records `status` the dated way: a record in force on its first day ends there, and, when
    /// `replacingLater` (a treatment event restating the person's path), records starting on or
    /// after that day give way to it. Without `replacingLater` the caller has refused a status
    /// earlier than the latest recorded (`hasStatus(_:onOrAfter:)`).
    func applyStatus(_ status: DatedStatus, replacingLater: Bool, by account: UUID?) async throws {
        if replacingLater {
            try await connection.query(
                "DELETE FROM registry.person_statuses WHERE person_id = \(status.personID) AND valid_from >= \(status.validFrom)")
        }
        try await connection.query(
            """
            UPDATE registry.person_statuses SET valid_to = \(status.validFrom)
            WHERE person_id = \(status.personID) AND (valid_to IS NULL OR valid_to > \(status.validFrom))
            """)
        try await insertStatuses([status], by: account)
    }

    /// Whether a status of the person starts on `day` or later.
    func hasStatus(_ id: UUID, onOrAfter day: CalendarDate) async throws -> Bool {
        try await !connection.query("SELECT 1 FROM registry.person_statuses WHERE person_id = \(id) AND valid_from >= \(day)").isEmpty
    }

    /// Appends entries to the change history.
    func recordChanges(_ records: [ChangeRecord]) async throws {
        guard !records.isEmpty else { return }
        try await connection.query(
            """
            INSERT INTO registry.person_changes (person_id, version, changed_by, changed_by_label, commune_code, action, changes)
            SELECT id, v, b, l, c, a, j::jsonb
            FROM unnest(\(records.map(\.personID))::uuid[], \(records.map(\.version))::int[], \(records.map(\.changedBy))::uuid[],
                        \(records.map(\.changedByLabel))::text[], \(records.map(\.communeCode))::text[], \(records.map(\.action))::text[],
                        \(records.map { JSONValue.object($0.changes).text })::text[]) AS r(id, v, b, l, c, a, j)
            """)
    }

    /// A new version of the record (after a change written elsewhere, a status say).
    func touch(_ id: UUID) async throws {
        try await connection.query("UPDATE registry.people SET updated_at = now(), version = version + 1 WHERE id = \(id)")
    }

    /// Writes a changed record's own fields (`PATCH`; its residence fields are not written, a
    /// move changes them); a new version.
    func update(_ id: UUID, with person: NewPerson) async throws {
        try await connection.query(
            """
            UPDATE registry.people SET full_name = \(person.fullName), search_name = \(person.searchName),
                birth_date = \(person.birthDate), birth_year = \(person.birthYear), sex = \(person.sex),
                ethnicity = \(person.ethnicity), national_id = \(person.nationalID?.value),
                national_id_kind = \(person.nationalID?.kind.rawValue), phone = \(person.phone),
                occupation = \(person.occupation), education = \(person.education),
                substances = \(person.substances), notes = \(person.notes),
                updated_at = now(), version = version + 1
            WHERE id = \(id)
            """)
    }

    /// Moves the person: the current residence ends the day before `date`, the new one begins on
    /// it; a new version.
    func move(_ id: UUID, to place: ResidencePlace, address: String?, on date: CalendarDate, by account: UUID) async throws {
        try await connection.query(
            "UPDATE registry.residences SET to_date = \(date.adding(days: -1)) WHERE person_id = \(id) AND to_date IS NULL")
        try await connection.query(
            """
            INSERT INTO registry.residences (person_id, from_date, commune_code, province_code, address, legacy_commune_code, recorded_by)
            VALUES (\(id), \(date), \(place.communeCode), \(place.provinceCode), \(address), \(place.legacyCommuneCode), \(account))
            """)
        try await connection.query(
            """
            UPDATE registry.people SET residence_commune_code = \(place.communeCode), residence_province_code = \(place.provinceCode),
                residence_address = \(address), residence_since = \(date), updated_at = now(), version = version + 1
            WHERE id = \(id)
            """)
    }

    /// Locks the person for a change another service causes; their version and commune, or nil
    /// when the registry does not know them.
    func lockForChange(_ id: UUID) async throws -> (version: Int, communeCode: String)? {
        guard
            let row = try await connection.query(
                "SELECT version, residence_commune_code FROM registry.people WHERE id = \(id) FOR UPDATE"
            ).first
        else { return nil }
        let (version, commune) = try row.decode((Int, String).self)
        return (version, commune)
    }
}
