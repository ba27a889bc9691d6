import ArgumentParser
import Drills
import Foundation
import IncidentCore
import RunbookKit

/// `warroom drill`: rehearse a runbook against a scripted scenario (`Runbooks/drills/`) on an accelerated clock.
struct DrillCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drill",
        abstract: "Run a drill scenario on an accelerated clock, end it, see past runs, or check scenario files.",
        subcommands: [Run.self, End.self, History.self, Lint.self],
        defaultSubcommand: Run.self
    )

    /// `warroom drill lint [PATHS…]`: every problem as `path:line: message`, non-zero exit if any.
    struct Lint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check drill scenarios and print every problem as path:line: message.",
            discussion: """
                Checks the files named, and every *.yaml and *.yml file under the directories named (default: \
                WORKSPACE/Runbooks/drills, else the scenarios shipped with Warroom). The runbooks each scenario \
                names must exist among the runbooks found as for `warroom runbook attach`. Exits non-zero if any \
                problem is found. The format is described in Runbooks/drills/README.md.
                """
        )

        @OptionGroup var global: GlobalOptions
        @OptionGroup var runbooks: RunbookOptions

        @Argument(help: "Scenario files or directories (default: WORKSPACE/Runbooks/drills, else the shipped scenarios).")
        var paths: [String] = []

        func run() async throws {
            var targets = paths
            if targets.isEmpty {
                guard let directory = Self.defaultDirectory(workspace: global.workspaceURL) else {
                    throw CLIError("no Runbooks/drills/ directory in \(global.workspaceURL.path) (pass scenario paths, or --workspace)")
                }
                targets = [RunbookCommand.Lint.displayPath(directory)]
            }
            let catalog: RunbookCatalog?
            if runbooks.resolvedDirectory(workspace: global.workspaceURL) != nil {
                catalog = runbooks.catalog(workspace: global.workspaceURL)
            } else {
                catalog = nil
                CLIOutput.printError("warning: no runbooks found; runbook ids were not checked")
            }
            let drills = DrillLinter.load(paths: targets, runbooks: catalog)
            try LintReport.finish(problems: drills.problems, files: drills.files, targets: targets,
                                  noun: "scenario", searched: "drill scenarios (*.yaml)")
        }

        /// `WORKSPACE/Runbooks/drills` if it exists, else the `Runbooks/drills` shipped in the checkout Warroom was
        /// built from, else nil.
        static func defaultDirectory(workspace: URL) -> String? {
            let fm = FileManager.default
            var isDirectory: ObjCBool = false
            let local = workspace.appendingPathComponent("Runbooks/drills", isDirectory: true).path
            if fm.fileExists(atPath: local, isDirectory: &isDirectory), isDirectory.boolValue { return local }
            let shipped = URL(fileURLWithPath: RunbookOptions.shippedDirectory).appendingPathComponent("drills").path
            if fm.fileExists(atPath: shipped, isDirectory: &isDirectory), isDirectory.boolValue { return shipped }
            return nil
        }
    }
}
