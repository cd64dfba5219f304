/// A citizen identity number: the 12-digit CCCD, or a legacy 9-digit CMND (accepted, flagged).
///
/// CCCD: 3-digit birth-province code (`0` + a pre-2025 province code), a century/sex digit
/// (1900s: 0 male, 1 female; 2000s: 2 male, 3 female; 2100s: 4, 5), 2 digits of the birth year and
/// 6 more digits.
struct NationalID: Equatable, Sendable {
    enum Kind: String, Sendable { case cccd, cmnd }

    let value: String
    let kind: Kind

    /// The pre-2025 province code a CCCD names (2 digits), nil for a CMND.
    var birthProvinceCode: String? {
        kind == .cccd ? String(value.dropFirst().prefix(2)) : nil
    }

    /// Checks the shape and, for a CCCD, that it agrees with `sex` and `birthYear`. Returns the
    /// reasons it is refused (empty when accepted) and the parsed number.
    static func parse(_ text: String, sex: String?, birthYear: Int?) -> (NationalID?, [String]) {
        let digits = text.filter { !$0.isWhitespace }
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return (nil, ["must contain digits only"]) }
        switch digits.count {
        case 9:
            return (NationalID(value: digits, kind: .cmnd), [])
        case 12:
            let bytes = Array(digits.utf8).map { Int($0) - 48 }
            var problems: [String] = []
            guard bytes[0] == 0 else { return (nil, ["a CCCD starts with a 3-digit birth-province code (001 to 096)"]) }
            let centuryDigit = bytes[3]
            let yearInCentury = bytes[4] * 10 + bytes[5]
            guard centuryDigit <= 5 else { return (nil, ["the 4th digit (century and sex) must be 0 to 5"]) }
            let century = 1900 + (centuryDigit / 2) * 100
            let encodedSex = centuryDigit % 2 == 0 ? "male" : "female"
            if let sex, sex != encodedSex {
                problems.append("its 4th digit (\(centuryDigit)) says \(encodedSex), but sex is \(sex)")
            }
            if let birthYear, birthYear != century + yearInCentury {
                problems.append("its digits 4-6 say born in \(century + yearInCentury), but the birth year is \(birthYear)")
            }
            return (problems.isEmpty ? NationalID(value: digits, kind: .cccd) : nil, problems)
        default:
            return (nil, ["must be a 12-digit CCCD or a 9-digit CMND"])
        }
    }
}
