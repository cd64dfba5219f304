import ContractValues
import Foundation
import Hummingbird
import Postgres

/// A drug test as recorded, with what the person was in that day and the relapse it recorded,
/// if any.
struct DrugTest: ResponseCodable, Sendable {
    enum Method: String, Codable, Sendable, CaseIterable {
        case urine, saliva, blood, hair
    }

    let id: UUID
    let personId: UUID
    let testedOn: CalendarDate
    let method: Method
    let substances: [Substance]
    let positive: Bool
    /// aftercare, episode or none.
    let during: String
    /// The relapse a positive test during after-care recorded.
    let relapseId: UUID?
    let recordedAt: Date
}
