import ArgumentParser
import Foundation
import IncidentCore
import Postmortem

/// `warroom postmortem`: writes the incident's postmortem from its timeline and records that it did.
struct PostmortemCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "postmortem",
        abstract: "Write the incident's postmortem (Markdown) from its timeline.",
        discussion: """
            Key times to the minute, durations from the first signal (MTTD, MTTA, MTTM, MTTR), time at each \
            severity, status-update punctuality, pages, runbook steps, roles, decisions, action items and the \
            full timeline, then the sections people write. The default output is \
            WORKSPACE/postmortems/INC-n.md. The template is --template FILE, else WORKSPACE/postmortem.mustache \
            if it exists, else the built-in one (templates/postmortem.md.mustache); unknown variables are \
            refused as path:line: unknown variable 'x'. A file people have edited since it was generated is \
            not replaced without --force. The generation is recorded on the timeline; a resolved incident can \
            be closed once it has been generated.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "The incident (INC-3 or 3); may be left out when exactly one is active, or none is and one is resolved.")
    var incident: String?

    @Option(help: "Where to write it (default: WORKSPACE/postmortems/INC-n.md).")
    var output: String?

    @Option(help: "A Mustache template to use instead of WORKSPACE/postmortem.mustache or the built-in one.")
    var template: String?

    @Flag(help: "Replace the output file even if it has been edited since it was generated.")
    var force = false

    @Flag(help: "List the variables a template may use, and exit.")
    var listVariables = false

    func run() async throws {
        if listVariables {
            CLIOutput.print(PostmortemVariables.listing())
            return
        }
        // warroom.yaml's cadences decide when each status update was due.
        let writer = PostmortemWriter(workspace: global.workspaceURL, timeZone: global.timeZone, policy: try global.config().policy)
        // The template first: a bad one is refused before the store is even opened.
        let chosen: PostmortemTemplate
        do {
            chosen = try writer.template(explicit: template.map(Self.fileURL))
        } catch {
            // `path:line: message` on a line of its own, as `runbook lint` prints problems, so editors can jump to it.
            var shown = error
            shown.path = RunbookCommand.Lint.displayPath(error.path)
            CLIOutput.printError(InertText.make(shown.description))
            throw ExitCode(1)
        }
        let store = try await global.openStore(create: false)
        let target = try await Self.select(incident, among: store.incidents())
        let outcome = try await writer.generate(
            incident: target.id, store: store, template: chosen, output: output.map(Self.fileURL), force: force,
            now: try global.now(), actor: global.actorName)
        if let event = outcome.event {
            CLIOutput.print("#\(event.id) \(target.id) postmortem written to \(outcome.recordedPath)")
        } else {
            CLIOutput.print("\(target.id) postmortem written to \(outcome.recordedPath) (\(target.id) is closed: not recorded on its timeline)")
        }
    }

    /// The incident asked for; else the only active one; else, when none is active, the only resolved one
    /// (a postmortem is usually written after resolution).
    static func select(_ requested: String?, among incidents: [IncidentState]) throws -> IncidentState {
        do {
            return try IncidentSelection.resolve(requested, among: incidents)
        } catch .noneActive {
            let resolved = incidents.filter { $0.lifecycle == .resolved }
            if resolved.count == 1 { return resolved[0] }
            if resolved.isEmpty {
                throw CLIError("no active or resolved incident; name one with --incident")
            }
            throw CLIError("several incidents are resolved (\(resolved.map(\.id).joined(separator: ", "))); choose one with --incident")
        } catch {
            throw CLIError(error.description)
        }
    }

    /// Relative paths are relative to the current directory, as everywhere on the command line.
    static func fileURL(_ path: String) -> URL {
        URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true))
            .standardizedFileURL
    }
}
