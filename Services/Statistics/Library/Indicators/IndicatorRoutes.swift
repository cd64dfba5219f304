import Foundation
import Hummingbird
import ServiceKit

/// The indicator catalogue: anyone signed in, and other agencies' keys, read the definitions
/// (`GET /v1/indicators`, `GET /v1/indicators/{indicatorId}`). No personal data.
struct IndicatorRoutes: Sendable {
    struct Page: ResponseCodable {
        let items: [Indicator]
    }

    func add(to routes: SecuredRoutes) {
        routes.on(.get, "/v1/indicators", .anyCaller, summary: "Every indicator, with its exact definition") { _, _, _ -> Page in
            Page(items: IndicatorCatalogue.all)
        }
        routes.on(
            .get, "/v1/indicators/{indicatorId}", .anyCaller, summary: "One indicator's definition",
            responses: [404: "No indicator with this id"],
            pathParameters: [PathParameter("indicatorId", values: IndicatorCatalogue.all.map(\.id), "The indicator's id")]
        ) { _, context, _ -> Indicator in
            let id = context.parameters.get("indicatorId") ?? ""
            guard let indicator = IndicatorCatalogue.indicator(id) else { throw ProblemDetails.notFound("No indicator \(id).") }
            return indicator
        }
    }
}
