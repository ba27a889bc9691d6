import ArgumentParser
import IncidentCore

/// `warroom` / `warroom console`: the incident commander's screen.
struct OpenConsole: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "Open the console (the default when no subcommand is given)."
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "The incident to show (INC-3 or 3); without it, the only active one, or a picker.")
    var incident: String?

    func run() throws {
        let store = try global.openStore(create: true)
        var target: IncidentID?
        if let incident { target = try IncidentSelection.resolve(incident, among: store.incidents()).id }
        try openConsole(store: store, global: global, incident: target)
    }
}

/// Opens the console on `store` until the user quits. TEMPORARY until the runner lands.
func openConsole(store: some EventStore, global: GlobalOptions, incident: IncidentID?) throws {
    throw CLIError("console not wired yet")
}
