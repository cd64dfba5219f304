import Access
import Foundation
import Logging
import Postgres
import ServiceKit

/// `registry create-admin USERNAME [--display-name NAME] [--password-file FILE]`: creates an
/// administrator account. The password comes from FILE, or else from the first line of standard
/// input; never from the command line (it would show in `ps` and shell history). There is no
/// default account and no default password.
enum CreateAdminCommand {
    static let usage = "create-admin USERNAME [--display-name NAME] [--password-file FILE]  create an admin account (password from FILE or stdin)"

    static let command: ServiceSubcommand = ServiceSubcommand(
        name: "create-admin",
        usage: usage
    ) { arguments, configuration, logger in
        var username: String?
        var displayName: String?
        var passwordFile: String?
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            switch argument {
            case "--display-name": displayName = rest.popFirst()
            case "--password-file": passwordFile = rest.popFirst()
            default:
                guard username == nil, !argument.hasPrefix("-") else { throw UsageError("usage: registry \(usage)") }
                username = argument
            }
        }
        guard let username else { throw UsageError("usage: registry \(usage)") }
        let password: String
        if let passwordFile {
            guard let text = try? String(contentsOfFile: passwordFile, encoding: .utf8) else {
                throw UsageError("cannot read the password file \(passwordFile)")
            }
            password = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        } else {
            password = readLine(strippingNewline: true) ?? ""
        }
        let environment = ServiceCommand.makeEnvironment(RegistryService.descriptor, configuration, logger)
        let routes = AccountRoutes(environment: environment, hasher: PasswordHasher())
        do {
            let account = try await withThrowingDiscardingTaskGroup { group in
                group.addTask { try await environment.database.run() }
                defer { group.cancelAll() }
                return try await routes.create(
                    .init(username: username, displayName: displayName ?? username, role: .admin, jurisdiction: nil, password: password),
                    by: nil, nil)
            }
            print("created admin account \(account.username) (\(account.id.uuidString.lowercased()))")
            return 0
        } catch let problem as ProblemDetails {
            FileHandle.standardError.write(Data("create-admin: \(problem.detail ?? problem.title)\n".utf8))
            return 1
        }
    }
}
