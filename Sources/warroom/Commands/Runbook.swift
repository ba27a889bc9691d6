import ArgumentParser
import Foundation
import IncidentCore
import RunbookKit

/// `warroom runbook`: the response plans kept in the workspace's `Runbooks/` directory.
struct RunbookCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runbook",
        abstract: "Work with the runbooks in Runbooks/.",
        subcommands: [Lint.self, Attach.self, Checklist.self]
    )

    @OptionGroup var global: GlobalOptions

    /// `warroom runbook lint [PATHS…]`: every problem as `path:line: message`, non-zero exit if any.
    struct Lint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check runbooks and print every problem as path:line: message.",
            discussion: """
                Checks the files named, and every *.md file except README.md under the directories named. Without \
                paths it checks the runbooks incidents attach from: --runbooks DIR, $WARROOM_RUNBOOKS, \
                WORKSPACE/Runbooks, else the ones shipped with Warroom. Exits non-zero if any problem is found. The \
                format is described in Runbooks/README.md.
                """
        )

        @OptionGroup var global: GlobalOptions
        @OptionGroup var runbooks: RunbookOptions

        @Argument(help: "Runbook files or directories (default: the runbooks incidents attach from).")
        var paths: [String] = []

        func run() async throws {
            var targets = paths
            if targets.isEmpty {
                guard let directory = runbooks.resolvedDirectory(workspace: global.workspaceURL) else {
                    throw CLIError("no runbooks to check: no Runbooks/ directory in \(global.workspaceURL.path) and no shipped "
                                   + "runbooks beside this binary (pass runbook paths, --runbooks DIR, or --workspace)")
                }
                targets = [Self.displayPath(directory)]
            }
            let catalog = RunbookLinter.load(paths: targets)
            try LintReport.finish(problems: catalog.problems, files: catalog.files, targets: targets,
                                  noun: "runbook", searched: "runbooks (*.md)")
        }

        /// Relative to the current directory when under it, so editors and terminals can open `Runbooks/x.md:12`.
        static func displayPath(_ path: String) -> String {
            let cwd = FileManager.default.currentDirectoryPath
            let prefix = cwd.hasSuffix("/") ? cwd : cwd + "/"
            return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
        }
    }
}
