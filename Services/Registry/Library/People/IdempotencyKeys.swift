import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Postgres
import ServiceKit

/// `Idempotency-Key` on creating requests: the first request with a key creates and its answer is
/// kept; a retry with the same key and body gets that answer again (with `Idempotent-Replayed:
/// true`) and creates nothing; the same key with another body is refused (422).
///
/// The key is claimed inside the creating transaction, so a concurrent retry waits for the first
/// to commit or roll back, and a failed request leaves no key behind.
struct IdempotencyKeys {
    let connection: PostgresConnection

    struct Replay {
        let status: Int
        let location: String?
        let body: String
    }

    static let header = HTTPField.Name("Idempotency-Key")!
    static let replayedHeader = HTTPField.Name("Idempotent-Replayed")!

    /// The key of `request`, checked: 1 to 200 visible ASCII characters.
    static func key(of request: Request) throws -> String? {
        guard let key = request.headers[header] else { return nil }
        guard (1...200).contains(key.utf8.count), key.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw ProblemDetails.validation([.init(pointer: "Idempotency-Key", detail: "must be 1 to 200 visible ASCII characters")])
        }
        return key
    }

    /// Claims `key` for this request; returns the earlier answer when it was used before.
    func claim(account: UUID, key: String, body: Data) async throws -> Replay? {
        let hash = Data(SHA256.hash(data: body))
        let claimed =
            try await connection.query(
                """
                INSERT INTO registry.idempotency_keys (account_id, key, request_hash) VALUES (\(account), \(key), \(hash))
                ON CONFLICT (account_id, key) DO NOTHING
                """
            ).affectedRows == 1
        if claimed { return nil }
        guard
            let row = try await connection.query(
                """
                SELECT request_hash, status, location, body FROM registry.idempotency_keys WHERE account_id = \(account) AND key = \(key)
                """
            ).first
        else { throw ProblemDetails.conflict("The Idempotency-Key is being used by a request still running; retry.") }
        let (storedHash, status, location, stored) = try row.decode((Data, Int?, String?, String?).self)
        guard storedHash == hash else {
            throw ProblemDetails.validation([.init(pointer: "Idempotency-Key", detail: "was used before with a different request body")])
        }
        guard let status, let stored else {
            throw ProblemDetails.conflict("The Idempotency-Key is being used by a request still running; retry.")
        }
        return Replay(status: status, location: location, body: stored)
    }

    /// Keeps the answer given to the request that claimed `key`.
    func complete(account: UUID, key: String, status: Int, location: String?, body: String) async throws {
        try await connection.query(
            """
            UPDATE registry.idempotency_keys SET status = \(status), location = \(location), body = \(body)
            WHERE account_id = \(account) AND key = \(key)
            """)
    }

    static func response(_ replay: Replay) -> Response {
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8", replayedHeader: "true"]
        if let location = replay.location { headers[.location] = location }
        return Response(status: .init(code: replay.status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: replay.body)))
    }
}
