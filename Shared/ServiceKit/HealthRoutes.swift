import Hummingbird

/// `GET /healthz` (the process answers) and `GET /readyz` (database reachable and migrations
/// applied; 503 with a problem saying what is missing otherwise).
enum HealthRoutes {
    static func add(to router: Router<AppRequestContext>, readiness: Readiness) {
        router.get("healthz") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ok"}"#)))
        }
        router.get("readyz") { _, _ -> Response in
            if let problem = await readiness.problem() { throw ProblemDetails.unavailable(problem) }
            return Response(
                status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ready"}"#)))
        }
    }
}
