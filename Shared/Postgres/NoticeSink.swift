import CLibPQ
import Logging

/// Receives the server's notices (`RAISE NOTICE`, warnings) for one connection and logs them
/// through swift-log instead of libpq's default of printing to stderr.
final class NoticeSink: Sendable {
    let logger: Logger

    init(logger: Logger) { self.logger = logger }

    /// Installs the sink on `connection`; the returned pointer must be released after `PQfinish`.
    static func install(on connection: OpaquePointer, logger: Logger) -> Unmanaged<NoticeSink> {
        let sink = Unmanaged.passRetained(NoticeSink(logger: logger))
        PQsetNoticeReceiver(
            connection,
            { context, result in
                guard let context, let result else { return }
                let sink = Unmanaged<NoticeSink>.fromOpaque(context).takeUnretainedValue()
                func field(_ code: Int32) -> String? { PQresultErrorField(result, code).map { String(cString: $0) } }
                let severity = field(clibpq_diag_severity()) ?? "NOTICE"
                let message = field(clibpq_diag_message()) ?? ""
                let level: Logger.Level = severity == "WARNING" ? .warning : (severity == "DEBUG" ? .debug : .info)
                sink.logger.log(
                    level: level, "\(message)",
                    metadata: ["postgres.severity": "\(severity)", "postgres.sqlstate": "\(field(clibpq_diag_sqlstate()) ?? "")"])
            }, sink.toOpaque())
        return sink
    }
}
