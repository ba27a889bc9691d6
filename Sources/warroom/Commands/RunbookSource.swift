import ArgumentParser
import Foundation
import IncidentCore
import RunbookKit

/// Where a command finds the runbooks it may attach: `--runbooks DIR`, else `$WARROOM_RUNBOOKS`, else
/// `WORKSPACE/Runbooks` if it exists, else the `Runbooks/` shipped in the checkout Warroom was built from.
struct RunbookOptions: ParsableArguments {
    @Option(name: .customLong("runbooks"), help: ArgumentHelp(
        "Directory of runbooks to attach from.",
        discussion: "Default: $WARROOM_RUNBOOKS, else WORKSPACE/Runbooks if it exists, else the runbooks shipped with Warroom."))
    var directory: String?

    /// The runbooks shipped with Warroom: found from this source file's path at build time, so `swift run warroom`
    /// from a clone attaches them without configuration.
    static let shippedDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Runbooks", isDirectory: true).path

    /// The directory to read, or `nil` when there is none (a binary moved away from its checkout).
    func resolvedDirectory(workspace: URL) -> String? {
        if let directory { return directory }
        if let env = ProcessInfo.processInfo.environment["WARROOM_RUNBOOKS"], !env.isEmpty { return env }
        let local = workspace.appendingPathComponent("Runbooks", isDirectory: true).path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: local, isDirectory: &isDirectory), isDirectory.boolValue { return local }
        if FileManager.default.fileExists(atPath: Self.shippedDirectory) { return Self.shippedDirectory }
        return nil
    }

    /// Every runbook found, with its problems; an empty catalog when there is no directory.
    func catalog(workspace: URL) -> RunbookCatalog {
        guard let directory = resolvedDirectory(workspace: workspace) else {
            return RunbookLinter.check(sources: [])
        }
        return RunbookLinter.load(paths: [directory])
    }

    /// The runbooks fit to attach automatically. Problems do not stop the command that attaches (a declaration
    /// must never fail for a typo in a runbook); they are reported on standard error and the runbooks with
    /// problems are left out.
    func usableForAttaching(workspace: URL) -> [Runbook] {
        let catalog = catalog(workspace: workspace)
        Self.warn(about: catalog)
        return catalog.usable
    }

    static func warn(about catalog: RunbookCatalog) {
        guard !catalog.problems.isEmpty else { return }
        let skipped = catalog.runbooks.count - catalog.usable.count
        var lines = ["warning: \(catalog.problems.count == 1 ? "1 runbook problem" : "\(catalog.problems.count) runbook problems"); "
            + "\(skipped == 1 ? "1 runbook was" : "\(skipped) runbooks were") left out of attaching (check with warroom runbook lint):"]
        lines += catalog.problems.prefix(10).map { "  " + InertText.make($0.description) }
        if catalog.problems.count > 10 { lines.append("  … and \(catalog.problems.count - 10) more") }
        CLIOutput.printError(lines.joined(separator: "\n"))
    }
}

extension GlobalOptions {
    /// Like `record`, but a severity change also attaches the runbooks that now apply, in the same transaction.
    /// Returns every stored event, the command's own first.
    func recordAttaching(_ command: IncidentCommand, entry: EntryOptions, runbooks source: RunbookOptions) async throws -> [Event] {
        // Read before the write transaction: file I/O must not hold other writers up.
        let catalog: [Runbook]
        if case .changeSeverity = command { catalog = source.usableForAttaching(workspace: workspaceURL) } else { catalog = [] }
        return try await record(command, entry: entry, attaching: catalog)
    }
}

/// `warroom step done|skip|undo RUNBOOK:STEP`: works the checklist of an attached runbook.
struct StepCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "step",
        abstract: "Check, skip or un-check a step of a runbook attached to the incident.",
        discussion: """
            Name a step as RUNBOOK:STEP, where STEP is the step's id or its number (storage-restore-from-backup:3); \
            the runbook may be left out when only one is attached. Every change is a timeline entry; \
            `warroom runbook checklist` shows where each step stands.
            """,
        subcommands: [Done.self, Skip.self, Undo.self]
    )

    /// `warroom step done`.
    struct Done: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check a step: it is done.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var entry: EntryOptions
        @Argument(help: "RUNBOOK:STEP (STEP is the step's id or number).")
        var step: String

        func run() async throws { try await StepCommand.record(.check(step), global: global, entry: entry) }
    }

    /// `warroom step skip`.
    struct Skip: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Skip a step, with a reason (required).")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var entry: EntryOptions
        @Argument(help: "RUNBOOK:STEP (STEP is the step's id or number).")
        var step: String
        @Option(help: "Why it is skipped (required).")
        var reason: String

        func run() async throws { try await StepCommand.record(.skip(step, reason: reason), global: global, entry: entry) }
    }

    /// `warroom step undo`.
    struct Undo: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Un-check a done or skipped step; the entry it takes back stays on the timeline.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var entry: EntryOptions
        @Argument(help: "RUNBOOK:STEP (STEP is the step's id or number).")
        var step: String
        @Option(help: "Why (optional).")
        var reason: String?

        func run() async throws { try await StepCommand.record(.undo(step, reason: reason), global: global, entry: entry) }
    }

    static func record(_ action: RunbookAction, global: GlobalOptions, entry: EntryOptions) async throws {
        let event = try await global.record(.runbook(action), entry: entry)
        CLIOutput.print("#\(event.id) \(event.incident) \(InertText.make(event.payload.summary))")
    }
}
