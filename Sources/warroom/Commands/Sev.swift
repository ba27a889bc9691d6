import ArgumentParser
import IncidentCore

/// `warroom sev`: moves the severity up or down, with a reason.
struct Sev: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Change the incident's severity (either way) with a reason.",
        discussion: "A change makes a status update due at once."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var entry: EntryOptions

    @Argument(help: "The new severity, L1 (worst) to L4.")
    var severity: Severity

    @Option(help: "Why the severity changes (required).")
    var reason: String

    @OptionGroup var runbooks: RunbookOptions

    func run() async throws {
        // The change, then any runbooks the new severity attaches.
        for event in try await global.recordAttaching(.changeSeverity(to: severity, reason: reason), entry: entry, runbooks: runbooks) {
            CLIOutput.print("#\(event.id) \(event.incident) \(InertText.make(event.payload.summary))")
        }
        await PagingReport.sayWhoIsMissing(global, incident: entry.incident)
    }
}
