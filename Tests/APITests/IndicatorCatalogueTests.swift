import Foundation
import Statistics
import Testing
import TestSupport

/// The indicator catalogue: `docs/indicators.md` is generated from the definitions the service
/// serves, and every indicator of the plans (the brief's table) is defined.
@Suite("docs/indicators.md and GET /v1/indicators")
struct IndicatorCatalogueTests {
    @Test func theDocumentIsTheCatalogue() throws {
        let expected = StatisticsService.indicatorsMarkdown()
        let path = TestDatabase.repositoryRoot.appending(path: "docs/indicators.md")
        if ProcessInfo.processInfo.environment["UPDATE_INDICATOR_DOCS"] == "1" {
            try expected.write(to: path, atomically: true, encoding: .utf8)
        }
        let committed = try String(contentsOf: path, encoding: .utf8)
        #expect(committed == expected, "docs/indicators.md is out of date: run the tests with UPDATE_INDICATOR_DOCS=1")
    }

    @Test func everyIndicatorOfThePlansIsDefinedExactly() throws {
        let ids = Set(StatisticsService.indicatorIDs)
        for id in [
            "treated_share", "compulsory_share", "treatment_mix", "aftercare_coverage", "relapse_rate", "relapse_rate_change",
            "vocational_counselling_share", "vocational_training_share", "job_referral_share", "loans", "campaign_communes_share",
            "aftercare_model_communes_share", "drug_free_communes", "communes_turned_drug_free", "volunteer_teams_and_clubs",
            "staff_trained_share", "people_under_management", "people_in_treatment", "people_in_aftercare", "determinations",
        ] {
            #expect(ids.contains(id), "\(id)")
        }
    }
}
