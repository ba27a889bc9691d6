import ArgumentParser
import Foundation
import Broadcast
import IncidentCore
import StoreKit

/// Options every command takes: where the store is, who is writing, how times are shown.
struct GlobalOptions: ParsableArguments {
    @Option(help: "Workspace directory holding .warroom/ (default: $WARROOM_WORKSPACE or the current directory).")
    var workspace: String?

    @Option(help: "Who is recording entries (default: $WARROOM_ACTOR, else $USER).")
    var actor: String?

    @Flag(help: "Show and read times in UTC instead of local time.")
    var utc = false

    @Option(help: ArgumentHelp(
        "The team store, a PostgreSQL URL such as postgres://user@host:5432/warroom?sslmode=require "
            + "(default: $WARROOM_STORE, else store.url in warroom.yaml, else the workspace's SQLite file).",
        valueName: "url"))
    var store: String?

    @Option(help: "The workspace inside the team store (default: $WARROOM_STORE_WORKSPACE, store.workspace, else default).")
    var storeWorkspace: String?

    var workspaceURL: URL {
        let env = ProcessInfo.processInfo.environment
        let path = workspace ?? env["WARROOM_WORKSPACE"] ?? FileManager.default.currentDirectoryPath
        return URL(fileURLWithPath: path, isDirectory: true).standardizedFileURL
    }

    var actorName: String {
        let env = ProcessInfo.processInfo.environment
        for candidate in [actor, env["WARROOM_ACTOR"], env["USER"], env["LOGNAME"]] {
            if let name = candidate?.trimmingCharacters(in: .whitespacesAndNewlines), !name.isEmpty { return name }
        }
        return "unknown"
    }

    var timeZone: TimeZone { utc ? TimeZone(identifier: "UTC")! : TimeZone.current }

    /// The shell's clock. `WARROOM_NOW` (ISO 8601) pins it, so scripted replays and tests are repeatable.
    func now() throws -> Date {
        guard let pinned = ProcessInfo.processInfo.environment["WARROOM_NOW"] else { return Date() }
        do {
            return try TimeExpression.parse(pinned, now: Date(), timeZone: TimeZone(identifier: "UTC")!)
        } catch {
            throw CLIError("WARROOM_NOW: \(error)")
        }
    }

    /// The store this command uses: the team store when one is named, else the workspace's SQLite file.
    func storeLocation() throws -> StoreLocation {
        let settings = try config().store
        do {
            var location = try StoreLocation.resolve(
                url: store, workspace: storeWorkspace, configuredURL: settings.url, configuredWorkspace: settings.workspace,
                listenURL: settings.listenURL, directory: workspaceURL)
            location.lockTimeout = settings.lockTimeout
            return location
        } catch let error as StoreError {
            throw CLIError(error.description)
        }
    }

    /// Opens the workspace's store. Read-only commands pass `create: false` so a typo in --workspace
    /// is reported instead of silently creating an empty store. On a team store, entries spooled while it was out
    /// of reach are handed over first, so they land before anything this command writes.
    func openStore(create: Bool) async throws -> any WarroomStore {
        let location = try storeLocation()
        let timeout = DurationText.short(location.lockTimeout.seconds)
        let store = try await location.open(create: create, onLockWait: {
            FileHandle.standardError.write(Data(
                "warroom: another Warroom process holds the store; waiting for it (at most \(timeout), store.lock_timeout)\n".utf8))
        })
        OpenStores.register(store)
        if location.isTeamStore, FileManager.default.fileExists(atPath: OfflineSpool.defaultPath()) {
            let spool = try OfflineSpool(store: location.identity)
            let report = try await spool.sync(into: store, policy: try policy())
            SpoolReport.print(report)
        }
        return store
    }

    /// On a team store, notes which incidents are active, so `warroom log` can find its incident while offline.
    func rememberActive(_ incidents: [IncidentState]) throws {
        let location = try storeLocation()
        guard location.isTeamStore else { return }
        try OfflineSpool(store: location.identity).remember(active: incidents.filter(\.isUnderWay).map(\.id))
    }

    /// Opens the store for a console: a team store gets its second connection, for pushed changes.
    func openConsoleStore() async throws -> any WarroomStore {
        let location = try storeLocation()
        guard location.isTeamStore else { return try await openStore(create: true) }
        let store = try await location.open(create: true, listen: true)
        OpenStores.register(store)
        return store
    }

    /// Parses an --at value against the clock, in the display time zone.
    func time(_ text: String?, now: Date) throws -> Date {
        guard let text else { return now }
        return try TimeExpression.parse(text, now: now, timeZone: timeZone)
    }
}

/// Options of commands that write to one incident.
struct EntryOptions: ParsableArguments {
    @Option(help: "The incident (INC-3 or 3); may be left out when exactly one incident is active.")
    var incident: String?

    @Option(help: "When it happened, if not now: HH:MM, YYYY-MM-DD HH:MM or ISO 8601.")
    var at: String?
}

/// A refusal shown to the user as `Error: message` with a non-zero exit.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ message: String) { description = message }
}

extension GlobalOptions {
    /// Validates `command` against the incident's current state and appends it in one store transaction.
    @discardableResult
    func record(_ command: IncidentCommand, entry: EntryOptions) async throws -> Event {
        try await record(command, entry: entry, attaching: [])[0]
    }

    /// Like `record(_:entry:)`; a severity change also attaches the runbooks of `catalog` that now apply, in the
    /// same transaction. Returns every stored event, the command's own first.
    func record(_ command: IncidentCommand, entry: EntryOptions, attaching catalog: [Runbook]) async throws -> [Event] {
        let store = try await openStore(create: false)
        let now = try now()
        let occurredAt = try time(entry.at, now: now)
        let incidents = try await store.incidents()
        try rememberActive(incidents)
        let target: IncidentState
        if case .changeState(to: .closed, _, _) = command, entry.incident == nil,
           !incidents.contains(where: \.isUnderWay),
           let only = incidents.filter({ $0.lifecycle == .resolved }).onlyElement {
            // Closing is what one does to a resolved incident: with exactly one waiting, it needs no --incident.
            target = only
        } else {
            target = try IncidentSelection.resolve(entry.incident, among: incidents)
        }
        let actor = actorName
        let policy = try policy()
        return try await store.append(to: target.id) { state in
            try state.drafts(for: command, at: occurredAt, now: now, actor: actor, policy: policy, runbooks: catalog)
        }
    }

    /// The incidents a read command shows: the one named, the only active one, or, with `allActive`, every active one.
    func selectedIncidents(_ requested: String?, store: any WarroomStore, allActive: Bool) async throws -> [IncidentState] {
        let incidents = try await store.incidents()
        if requested == nil, allActive {
            let active = incidents.filter(\.isUnderWay)
            if active.count > 1 { return active }
        }
        return [try IncidentSelection.resolve(requested, among: incidents)]
    }
}

extension Collection {
    /// The element of a one-element collection; `nil` when there are none or several.
    var onlyElement: Element? { count == 1 ? first : nil }
}
