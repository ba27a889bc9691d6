import ArgumentParser
import Console
import ContactsKit
import Drills
import Foundation
import IncidentCore
import Postmortem
import RunbookKit
import StoreKit

/// `warroom` / `warroom console`: the incident commander's screen.
struct OpenConsole: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "Open the console (the default when no subcommand is given)."
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "The incident to show (INC-3 or 3); without it, the only active one, or a picker.")
    var incident: String?

    @OptionGroup var runbooks: RunbookOptions

    func run() async throws {
        let store = try await global.openConsoleStore()
        var target: IncidentID?
        if let incident {
            let chosen = try IncidentSelection.resolve(incident, among: try await store.incidents())
            // A drill under way runs on its own clock and fires its injects: open it as `warroom drill` would.
            if chosen.drill != nil, chosen.isUnderWay {
                try await DrillConsole.resume(chosen, store: store, global: global, runbooks: runbooks, speed: nil)
                return
            }
            target = chosen.id
        }
        try await openConsole(store: store, global: global, incident: target, runbooks: runbooks)
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
func openConsole(store: any WarroomStore, global: GlobalOptions, incident: IncidentID?, runbooks: RunbookOptions,
                 contactsIn contactsWorkspace: URL? = nil, drill: DrillConsole? = nil) async throws -> DrillSession.ScoreCard? {
    let workspace = global.workspaceURL
    // warroom.yaml: the cadences the header counts down, and the channels the outbox worker delivers to.
    let config = try global.config()
    let clock = try drill?.clock ?? ConsoleClock.fromEnvironment()
    let broadcaster = ConsoleBroadcaster(config: config, outbox: store, workspace: workspace, clock: clock)
    let location = try global.storeLocation()
    let spool = location.isTeamStore ? try OfflineSpool(store: location.identity) : nil
    let contactsHome = contactsWorkspace ?? workspace
    // A drill's contacts are fixed when it opens (they may be the shipped example); otherwise edits are picked up.
    let contacts: (load: @Sendable () -> ContactsSource, files: WatchedFiles) = if let fixed = drill?.contacts {
        ({ fixed }, WatchedFiles(paths: { [] }))
    } else {
        ({ ContactsSupport.source(workspace: contactsHome) },
         WatchedFiles(paths: { [contactsHome.appendingPathComponent(ContactsFile.fileName).path] }))
    }
    let actor = global.actorName, timeZone = global.timeZone
    let postmortems = PostmortemWriter(workspace: workspace, timeZone: global.timeZone, policy: config.policy)
    let runbookFiles = WatchedFiles(paths: { runbooks.resolvedDirectory(workspace: workspace).map { [$0] } ?? [] }, extensions: ["md"])
    let session = drill?.session
    // The input loop blocks in the terminal read, so it gets a thread of its own rather than one of the
    // concurrency pool's few, on which the store work runs.
    let card = try await onOwnThread {
        try runConsole(store: store, spool: spool, actor: actor, incident: incident, timeZone: timeZone,
                       clock: clock, policy: config.policy, contacts: contacts, broadcaster: broadcaster, runbooks: {
            let catalog = runbooks.catalog(workspace: workspace)
            return (catalog.usable, catalog.problems.map { InertText.make($0.description) })
        }, runbookFiles: runbookFiles, postmortems: postmortems, drill: session)
    }
    return card
}

/// Runs `body` on a new thread and waits for it without holding a thread of the concurrency pool.
func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.stackSize = 8 << 20
        thread.start()
    }
}
