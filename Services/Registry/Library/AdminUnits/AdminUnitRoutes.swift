import Access
import Foundation
import Hummingbird
import Postgres
import RegistryContracts
import ServiceKit

/// Administrative units, for everyone signed in (reference data, no personal data):
///
/// - `GET /v1/admin-units?generation=2025&parent=01`: children of a unit (provinces without `parent`);
/// - `GET /v1/admin-units/{generation}/{level}/{code}`: one unit, with the units it maps to or from
///   across the 2025 reform;
/// - `GET /v1/admin-units/search?q=ba dinh&generation=&level=`: by name, with or without diacritics.
struct AdminUnitRoutes: Sendable {
    let environment: ServiceEnvironment

    struct Unit: Codable, Sendable {
        let generation: String
        let level: String
        let code: String
        let name: String
        let type: String?
        let parentCode: String?
        let provinceCode: String
        let validFrom: String?
        let validTo: String?
        /// Across the reform: for a legacy commune the 2025 communes it went to; for a 2025
        /// commune the legacy communes it was made from. Only in single-unit answers.
        var mappedTo: [Mapped]?
        var mappedFrom: [Mapped]?
    }

    struct Mapped: Codable, Sendable {
        let code: String
        let name: String
        let kind: String
    }

    struct Page: ResponseCodable {
        let items: [Unit]
    }

    static let columns: StaticString = """
        u.generation, u.level, u.code, u.name, u.unit_type, u.parent_code, u.province_code, u.valid_from, u.valid_to
        """

    static func unit(_ row: PostgresRow) throws -> Unit {
        let (generation, level, code, name, type, parent, province, from, to) =
            try row.decode((String, String, String, String, String?, String?, String, CalendarDate?, CalendarDate?).self)
        return Unit(
            generation: generation, level: level, code: code, name: name, type: type, parentCode: parent,
            provinceCode: province, validFrom: from?.description, validTo: to?.description)
    }

    static let generations = Set(AdminUnitGeneration.allCases.map(\.rawValue))
    static let levels = ["province", "district", "commune"]

    func add(to routes: SecuredRoutes) {
        routes.on(
            .get, "/v1/admin-units", .anyCaller,
            query: [
                QueryParameter("generation", values: AdminUnitGeneration.allCases.map(\.rawValue), "Units of 2025 (default) or before"),
                QueryParameter("parent", .formatted(.unitCode), "The code of the unit whose children to list (the provinces without it)"),
            ]
        ) { request, _, _ -> Page in
            let query = request.uri.queryParameters
            let generation = query["generation"].map(String.init) ?? AdminUnitGeneration.current.rawValue
            let parent = query["parent"].map(String.init)
            return Page(
                items: try await environment.database.withConnection {
                    try await AdminUnitStore(connection: $0).children(generation: generation, parent: parent)
                })
        }
        routes.on(
            .get, "/v1/admin-units/search", .anyCaller,
            query: [
                QueryParameter(
                    "q", .formatted(.searchText(letters: 2...100), maxLength: 300), required: true,
                    "Name, with or without diacritics (2 to 100 letters or digits)"),
                QueryParameter("level", values: Self.levels, "Only units of this level"),
                QueryParameter("generation", values: AdminUnitGeneration.allCases.map(\.rawValue), "Only units of this generation"),
                .limit(maximum: 100),
            ]
        ) { request, _, _ -> Page in
            let query = request.uri.queryParameters
            let text = SearchText.fold(query["q"].map(String.init) ?? "")
            let level = query["level"].map(String.init)
            let generation = query["generation"].map(String.init)
            let limit = query.limit(default: 20)
            return Page(
                items: try await environment.database.withConnection {
                    try await AdminUnitStore(connection: $0).search(text, generation: generation, level: level, limit: limit)
                })
        }
        routes.on(
            .get, "/v1/admin-units/{generation}/{level}/{code}", .anyCaller,
            pathParameters: [
                PathParameter("generation", values: AdminUnitGeneration.allCases.map(\.rawValue), "Units of 2025, or those before"),
                PathParameter("level", values: Self.levels, "The unit's level"),
                PathParameter("code", .formatted(.unitCode), "The unit's code (2 digits: province, 3: district, 5: commune)"),
            ]
        ) { _, context, _ -> Unit in
            let generation = context.parameters.get("generation") ?? ""
            let level = context.parameters.get("level") ?? ""
            let code = context.parameters.get("code") ?? ""
            guard Self.generations.contains(generation), Self.levels.contains(level) else {
                throw ProblemDetails.notFound(
                    "No unit \(generation)/\(level)/\(code); generation is 2025 or legacy, level province, district or commune.")
            }
            return try await environment.database.withConnection { connection in
                let store = AdminUnitStore(connection: connection)
                guard var unit = try await store.unit(generation: generation, level: level, code: code) else {
                    throw ProblemDetails.notFound("No unit \(generation)/\(level)/\(code).")
                }
                if level == "commune" {
                    let isLegacy = generation == AdminUnitGeneration.legacy.rawValue
                    let mapped = try await store.mapped(commune: code, fromLegacy: isLegacy)
                    if isLegacy { unit.mappedTo = mapped } else { unit.mappedFrom = mapped }
                }
                return unit
            }
        }
    }
}

extension AdminUnitRoutes.Unit: ResponseEncodable {}
