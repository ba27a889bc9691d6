import ArgumentParser
import Console
import ContactsKit
import Drills
import Foundation
import IncidentCore
import Postmortem
import RunbookKit

/// `warroom` / `warroom console`: the incident commander's screen.
struct OpenConsole: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "Open the console (the default when no subcommand is given)."
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "The incident to show (INC-3 or 3); without it, the only active one, or a picker.")
    var incident: String?

    @OptionGroup var runbooks: RunbookOptions

    func run() throws {
        let store = try global.openStore(create: true)
        var target: IncidentID?
        if let incident {
            let chosen = try IncidentSelection.resolve(incident, among: store.incidents())
            // A drill under way runs on its own clock and fires its injects: open it as `warroom drill` would.
            if chosen.drill != nil, chosen.isUnderWay {
                try DrillConsole.resume(chosen, store: store, global: global, runbooks: runbooks, speed: nil)
                return
            }
            target = chosen.id
        }
        try openConsole(store: store, global: global, incident: target, runbooks: runbooks)
    }
}

/// What a drill's console needs beyond an incident's: the drill's runner, its accelerated clock, and the contacts
/// it pages from.
struct DrillConsole {
    var session: DrillSession
    var clock: ConsoleClock
    var contacts: ContactsSource
}

/// Opens the console on `store` until the user quits; runbooks are read by the console's store worker. Returns the
/// drill's score card if a drill ended while it was open.
@discardableResult
func openConsole(store: some EventStore, global: GlobalOptions, incident: IncidentID?, runbooks: RunbookOptions,
                 contactsIn contactsWorkspace: URL? = nil, drill: DrillConsole? = nil) throws -> DrillSession.ScoreCard? {
    let workspace = global.workspaceURL
    // warroom.yaml: the cadences the header counts down, and the channels the outbox worker delivers to.
    let config = try global.config()
    let clock = try drill?.clock ?? ConsoleClock.fromEnvironment()
    let broadcaster = (store as? any OutboxStore).map { ConsoleBroadcaster(config: config, outbox: $0, workspace: workspace, clock: clock) }
    let contactsHome = contactsWorkspace ?? workspace
    // A drill's contacts are fixed when it opens (they may be the shipped example); otherwise edits are picked up.
    let contacts: (load: @Sendable () -> ContactsSource, files: WatchedFiles) = if let fixed = drill?.contacts {
        ({ fixed }, WatchedFiles(paths: { [] }))
    } else {
        ({ ContactsSupport.source(workspace: contactsHome) },
         WatchedFiles(paths: { [contactsHome.appendingPathComponent(ContactsFile.fileName).path] }))
    }
    return try runConsole(store: store, actor: global.actorName, incident: incident, timeZone: global.timeZone,
                          clock: clock, policy: config.policy, contacts: contacts, broadcaster: broadcaster, runbooks: {
        let catalog = runbooks.catalog(workspace: workspace)
        return (catalog.usable, catalog.problems.map { InertText.make($0.description) })
    }, runbookFiles: WatchedFiles(paths: { runbooks.resolvedDirectory(workspace: workspace).map { [$0] } ?? [] }, extensions: ["md"]),
                          postmortems: PostmortemWriter(workspace: workspace, timeZone: global.timeZone, policy: config.policy),
                          drill: drill?.session)
}
