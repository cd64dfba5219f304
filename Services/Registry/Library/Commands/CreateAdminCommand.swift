import Access
import ArgumentParser
import Foundation
import Logging
import Postgres
import ServiceKit

/// `registry create-admin USERNAME [--display-name NAME] [--password-file FILE]`: creates an
/// administrator account. The password comes from FILE, or else from the first line of standard
/// input; never from the command line (it would show in `ps` and shell history). There is no
/// default account and no default password.
struct CreateAdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create-admin", abstract: "Create an administrator account (password from FILE or the first line of standard input).")

    @Argument(help: "The account's user name.")
    var username: String

    @Option(help: "The name shown for the account (default: the user name).")
    var displayName: String?

    @Option(help: "A file whose first line is the password.")
    var passwordFile: String?

    func run() async throws {
        let (username, displayName, passwordFile) = (self.username, self.displayName, self.passwordFile)
        try await ServiceCommand.run { service, configuration, logger in
            let password: String
            if let passwordFile {
                guard let text = try? String(contentsOfFile: passwordFile, encoding: .utf8) else {
                    throw UsageError("cannot read the password file \(passwordFile)")
                }
                password = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
            } else {
                password = readLine(strippingNewline: true) ?? ""
            }
            let environment = ServiceCommand.makeEnvironment(service, configuration, logger)
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
}
