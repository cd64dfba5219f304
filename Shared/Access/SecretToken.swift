import Crypto
import Foundation

/// Bearer tokens and API keys: 32 random bytes, shown to their holder once and stored only as
/// their SHA-256.
public enum SecretToken {
    /// Prefix of session tokens (`rcs_…`), API keys (`rck_…`) and the statistics dashboard's
    /// session cookies (`rcd_…`): lets secret scanners and operators recognise a leaked one.
    public enum Kind: String, Sendable {
        case session = "rcs_"
        case apiKey = "rck_"
        /// A dashboard session: opens the dashboard's pages only, never an API.
        case dashboard = "rcd_"
    }

    /// A new token: the prefix and 43 base64url characters (256 bits from the system's CSPRNG).
    public static func generate(_ kind: Kind) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return kind.rawValue + base64URL(bytes)
    }

    /// What the database stores and looks tokens up by.
    public static func hash(_ token: String) -> Data {
        Data(SHA256.hash(data: Data(token.utf8)))
    }

    /// Whether `token` has the shape of a token of `kind` (checked before any database work).
    public static func isWellFormed(_ token: String, _ kind: Kind) -> Bool {
        token.hasPrefix(kind.rawValue) && token.utf8.count == kind.rawValue.utf8.count + 43
            && token.utf8.dropFirst(kind.rawValue.utf8.count).allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
            }
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
