import ArgumentParser
import ContactsKit
import Foundation
import IncidentCore

/// `warroom contacts`: the escalation contacts in the workspace's contacts.yaml.
struct ContactsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contacts",
        abstract: "Work with the escalation contacts in contacts.yaml.",
        subcommands: [Lint.self]
    )

    /// `warroom contacts lint [PATH]`: every problem as `path:line: message`, non-zero exit if any.
    struct Lint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a contacts file and print every problem as path:line: message.",
            discussion: "Checks WORKSPACE/contacts.yaml unless a path is given. Exits non-zero if any problem is found. "
                + "The format is described at the top of contacts.example.yaml."
        )

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The contacts file (default: WORKSPACE/contacts.yaml).")
        var path: String?

        func run() async throws {
            let file = path ?? ContactsSupport.displayPath(global.workspaceURL.appendingPathComponent(ContactsFile.fileName).path)
            switch ContactsFile.load(path: file) {
            case .missing(let missing):
                throw CLIError("no contacts file at \(missing) (copy contacts.example.yaml there, or pass a path)")
            case .loaded(let book):
                let people = book.contacts.count == 1 ? "1 contact" : "\(book.contacts.count) contacts"
                let roles = book.roles.count == 1 ? "1 role" : "\(book.roles.count) roles"
                CLIOutput.print("\(file): \(people), \(roles): no problems")
            case .invalid(_, let problems):
                for problem in problems { CLIOutput.print(InertText.make(problem.description)) }
                let count = problems.count == 1 ? "1 problem" : "\(problems.count) problems"
                CLIOutput.printError("\(count) in \(file)")
                throw ExitCode(1)
            }
        }
    }
}
