import ArgumentParser
import IncidentCore

/// `warroom state`: moves the incident through its lifecycle.
struct State: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Move the incident to a new lifecycle state.",
        discussion: """
            declared → investigating → identified → mitigating → monitoring → resolved → closed; \
            monitoring → mitigating when a fix does not hold. Resolving L1/L2 needs 30 minutes of \
            monitoring unless --override gives a reason.
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var entry: EntryOptions

    @Argument(help: "The new state.")
    var state: LifecycleState

    @Option(help: "Why.")
    var reason: String?

    @Option(help: "Resolve before the monitoring period is over, for this reason.")
    var override: String?

    func run() async throws {
        let event = try await global.record(.changeState(to: state, reason: reason, override: override), entry: entry)
        CLIOutput.print("#\(event.id) \(event.incident) \(InertText.make(event.payload.summary))")
    }
}
