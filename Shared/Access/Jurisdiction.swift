import Foundation

/// The part of the country or the organisation an account's role applies to.
///
/// Codes are the official administrative-unit codes (2 digits for a province, 5 for a commune).
public enum Jurisdiction: Sendable, Hashable, Codable {
    case national
    case province(code: String)
    case commune(code: String)
    case facility(id: UUID)
    case partner(id: UUID)

    public enum Kind: String, Sendable, Codable, CaseIterable {
        case national, province, commune, facility, partner
    }

    public var kind: Kind {
        switch self {
        case .national: .national
        case .province: .province
        case .commune: .commune
        case .facility: .facility
        case .partner: .partner
        }
    }

    /// The province code for `.province`, the commune code for `.commune`, the id for
    /// `.facility` and `.partner`, nil for `.national`.
    public var reference: String? {
        switch self {
        case .national: nil
        case .province(let code), .commune(let code): code
        case .facility(let id), .partner(let id): id.uuidString.lowercased()
        }
    }

    /// Builds a jurisdiction of `kind` from its reference; nil when the reference is malformed.
    public init?(kind: Kind, reference: String?) {
        switch kind {
        case .national:
            guard reference == nil else { return nil }
            self = .national
        case .province:
            guard let reference, reference.utf8.count == 2, reference.allSatisfy(\.isASCIIDigit) else { return nil }
            self = .province(code: reference)
        case .commune:
            guard let reference, reference.utf8.count == 5, reference.allSatisfy(\.isASCIIDigit) else { return nil }
            self = .commune(code: reference)
        case .facility:
            guard let reference, let id = UUID(uuidString: reference) else { return nil }
            self = .facility(id: id)
        case .partner:
            guard let reference, let id = UUID(uuidString: reference) else { return nil }
            self = .partner(id: id)
        }
    }

    enum CodingKeys: String, CodingKey { case kind, reference }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try container.decode(Kind.self, forKey: .kind)
        let reference = try container.decodeIfPresent(String.self, forKey: .reference)
        guard let value = Jurisdiction(kind: kind, reference: reference) else {
            throw DecodingError.dataCorruptedError(
                forKey: .reference, in: container,
                debugDescription:
                    "not a valid \(kind.rawValue) reference (province: 2 digits, commune: 5 digits, facility or partner: a UUID, national: none)")
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encodeIfPresent(reference, forKey: .reference)
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
