import Foundation

/// The form names are searched in: lower case, Vietnamese diacritics removed (`đ` → `d`),
/// runs of spaces and punctuation folded to one space. `"Nguyễn  Văn Ánh"` → `"nguyen van anh"`.
///
/// Stored next to the exact name (which is never altered) and applied to queries, so
/// `nguyen van a` and `Nguyễn Văn A` find the same people.
public enum SearchText {
    public static func fold(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        var pendingSpace = false
        for scalar in text.decomposedStringWithCanonicalMapping.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .nonspacingMark, .spacingMark, .enclosingMark:
                continue
            default:
                break
            }
            var folded = scalar
            if scalar == "đ" || scalar == "Đ" { folded = "d" }
            if folded.properties.isAlphabetic || folded.properties.numericType != nil {
                if pendingSpace, !result.isEmpty { result.unicodeScalars.append(" ") }
                pendingSpace = false
                result.unicodeScalars.append(contentsOf: folded.properties.lowercaseMapping.unicodeScalars)
            } else {
                pendingSpace = true
            }
        }
        return result
    }
}
