import Crypto
import Foundation

/// Ties the audit chain to what a database owner cannot reach: a key the database never sees,
/// which seals every link with an HMAC, and a file outside the database where the sealer writes
/// the newest link (the head) after each sealing.
///
/// With the key, an owner who edits an entry and recomputes every later hash still cannot produce
/// the seals. With the head file, deleting the newest entries together with their links and seals
/// leaves the chain shorter than the head it names. Either part may be absent (`none`: neither).
public struct AuditAnchor: Sendable {
    /// The newest sealed link, as written to the head file (JSON).
    public struct Head: Codable, Equatable, Sendable {
        public let seq: Int64
        /// The link's hash, hex.
        public let hash: String
        /// The link's seal, hex; nil when sealed without a key.
        public let seal: String?
        /// When the head was written (ISO 8601, UTC).
        public let writtenAt: String
    }

    /// The head file could not be read or written.
    public struct HeadFileError: Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { "audit head file \(path): \(reason)" }
    }

    private let key: Data?
    /// Where the head is written and read; nil: nowhere.
    public let headFile: String?

    /// `key`: at least 32 bytes; `headFile`: a path whose folder exists and is writable.
    public init(key: Data?, headFile: String?) {
        self.key = key
        self.headFile = headFile
    }

    public static let none = AuditAnchor(key: nil, headFile: nil)

    /// Whether links are sealed (and checked) with a key.
    public var hasKey: Bool { key != nil }

    /// HMAC-SHA256 of link `seq` with hash `hash`; nil without a key. The hash already covers the
    /// entry and every earlier link, so the seal covers them too.
    func seal(seq: Int64, hash: Data) -> Data? {
        guard let key else { return nil }
        var message = Data("recovery-audit-link".utf8)
        message.append(0)
        var bigEndian = seq.bigEndian
        withUnsafeBytes(of: &bigEndian) { message.append(contentsOf: $0) }
        message.append(hash)
        return Data(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)))
    }

    /// Whether a head read back from the file carries the seal the key gives its link (without a
    /// key, whether its hash is well-formed). With a key, a head without a seal does not match.
    func sealMatches(_ head: Head) -> Bool {
        guard let hash = Data(hex: head.hash), hash.count == 32 else { return false }
        guard let expected = seal(seq: head.seq, hash: hash) else { return true }
        return head.seal.flatMap { Data(hex: $0) } == expected
    }

    /// Replaces the head file with `head` (written to a temporary file beside it, flushed, then
    /// renamed, so a reader sees the old head or the new one). Does nothing without a file.
    func write(_ head: Head) throws {
        guard let headFile else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var data = try encoder.encode(head)
        data.append(0x0A)
        // A name of its own per writer: a replica or `audit seal` may write beside the service.
        let temporary = headFile + ".\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: data) else {
            throw HeadFileError(path: temporary, reason: "cannot be created (does the folder exist and may this user write there?)")
        }
        let descriptor = open(temporary, O_WRONLY)
        if descriptor >= 0 {
            fsync(descriptor)
            close(descriptor)
        }
        // Never replace a newer head (another sealer's) with an older one.
        if let current = try? readHead(), current.seq > head.seq {
            unlink(temporary)
            return
        }
        guard rename(temporary, headFile) == 0 else {
            unlink(temporary)
            throw HeadFileError(path: headFile, reason: "cannot replace it (\(String(cString: strerror(errno))))")
        }
    }

    /// The head last written; nil without a file or before the first sealing wrote one.
    public func readHead() throws -> Head? {
        guard let headFile else { return nil }
        guard FileManager.default.fileExists(atPath: headFile) else { return nil }
        guard let data = FileManager.default.contents(atPath: headFile) else {
            throw HeadFileError(path: headFile, reason: "cannot be read")
        }
        do {
            return try JSONDecoder().decode(Head.self, from: data)
        } catch {
            throw HeadFileError(path: headFile, reason: "is not a head the sealer wrote (\(error))")
        }
    }
}

extension Data {
    /// Lower-case hex, two digits a byte.
    var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        text.reserveCapacity(count * 2)
        for byte in self {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The bytes of `hex` (two digits a byte, either case); nil if it is not hex.
    init?(hex: String) {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes = [UInt8]()
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = Self.nibble(digits[index]), let low = Self.nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        self.init(bytes)
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
