import Crypto
import CryptoExtras
import Foundation
import NIOPosix

/// Hashes and checks passwords with scrypt, a memory-hard function (32 MiB and about 0.1 s per
/// hash at the default cost), in PHC string form: `$scrypt$ln=15,r=8,p=1$<salt>$<hash>`.
///
/// Hashing runs on NIO's blocking thread pool (one thread per core), never on Swift's cooperative
/// pool, which also bounds how many hashes run at once. The parameters travel in each stored
/// hash, so raising the cost later keeps old hashes verifiable (`needsRehash` says which).
public struct PasswordHasher: Sendable {
    /// log2 of scrypt's N; 15 by default. Lower only in tests.
    public let logRounds: Int
    public let blockSize = 8
    public let parallelism = 1

    public init(logRounds: Int = 15) {
        precondition((10...20).contains(logRounds), "scrypt cost out of range")
        self.logRounds = logRounds
    }

    /// A new salted hash of `password`.
    public func hash(_ password: String) async throws -> String {
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let parameters = Parameters(logRounds: logRounds, blockSize: blockSize, parallelism: parallelism)
        let derived = try await Self.derive(password, salt: salt, parameters)
        return "$scrypt$ln=\(logRounds),r=\(blockSize),p=\(parallelism)$\(Self.b64(salt))$\(Self.b64(derived))"
    }

    /// Whether `password` matches `stored`; false for a malformed stored hash. Constant-time compare.
    public func verify(_ password: String, against stored: String) async throws -> Bool {
        guard let (parameters, salt, expected) = Self.parse(stored) else { return false }
        let derived = try await Self.derive(password, salt: salt, parameters)
        guard derived.count == expected.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(derived, expected) { difference |= a ^ b }
        return difference == 0
    }

    /// `password`'s key in unpadded base64, derived with PHC `parameters` (`ln=15,r=8,p=1`) and
    /// `salt` (unpadded base64) as the last part of a stored hash would hold it; nil when the
    /// parameters or salt are malformed. For a sign-in that compares keys elsewhere (the database's
    /// `registry.open_session`) without reading the stored hash.
    public func derivedKey(_ password: String, parameters: String, salt: String) async throws -> String? {
        guard let parsed = Self.parameters(Substring(parameters)), let salt = Self.unb64(Substring(salt)), !salt.isEmpty else { return nil }
        return Self.b64(try await Self.derive(password, salt: salt, parsed))
    }

    /// Whether `stored` was made with weaker parameters than this hasher's.
    public func needsRehash(_ stored: String) -> Bool {
        guard let (parameters, _, _) = Self.parse(stored) else { return true }
        return parameters.logRounds < logRounds
    }

    /// A hash of a random password, to spend the same time on an unknown username as on a known one.
    public func decoy() async throws -> String {
        try await hash(SecretToken.generate(.session))
    }

    struct Parameters: Sendable {
        let logRounds: Int
        let blockSize: Int
        let parallelism: Int
    }

    private static func derive(_ password: String, salt: [UInt8], _ parameters: Parameters) async throws -> [UInt8] {
        try await NIOThreadPool.singleton.runIfActive {
            let key = try KDF.Scrypt.deriveKey(
                from: Array(password.utf8), salt: salt, outputByteCount: 32,
                rounds: 1 << parameters.logRounds, blockSize: parameters.blockSize, parallelism: parameters.parallelism,
                maxMemory: 129 * parameters.blockSize * (1 << parameters.logRounds) + 1 << 20)
            return key.withUnsafeBytes { Array($0) }
        }
    }

    static func parse(_ stored: String) -> (Parameters, [UInt8], [UInt8])? {
        let parts = stored.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0].isEmpty, parts[1] == "scrypt", let parameters = parameters(parts[2]),
            let salt = unb64(parts[3]), let hash = unb64(parts[4]), !salt.isEmpty, !hash.isEmpty
        else { return nil }
        return (parameters, salt, hash)
    }

    /// `ln=15,r=8,p=1`, each within the bounds this hasher accepts.
    static func parameters(_ text: Substring) -> Parameters? {
        var values: [Substring: Int] = [:]
        for pair in text.split(separator: ",") {
            let kv = pair.split(separator: "=")
            guard kv.count == 2, let number = Int(kv[1]) else { return nil }
            values[kv[0]] = number
        }
        guard let ln = values["ln"], let r = values["r"], let p = values["p"],
            (10...20).contains(ln), (1...32).contains(r), (1...16).contains(p)
        else { return nil }
        return Parameters(logRounds: ln, blockSize: r, parallelism: p)
    }

    /// Unpadded standard base64, as PHC strings use.
    static func b64(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "=", with: "")
    }

    static func unb64(_ text: Substring) -> [UInt8]? {
        var padded = String(text)
        while padded.utf8.count % 4 != 0 { padded += "=" }
        return Data(base64Encoded: padded).map(Array.init)
    }
}
