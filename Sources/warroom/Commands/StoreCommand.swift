import ArgumentParser
import Broadcast
import Foundation
import IncidentCore
import StoreKit

/// `warroom store`: which store is in use, and the team store's schema, spool and migration.
struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "The store in use: status, schema (init), the offline spool (sync), and moving a workspace (migrate).",
        discussion: """
            Without --store, $WARROOM_STORE or store.url in warroom.yaml every command uses the SQLite file in \
            WORKSPACE/.warroom/. With one, it uses a workspace (--store-workspace, default `default`) of a PostgreSQL \
            team store that every laptop shares.
            """,
        subcommands: [StoreStatus.self, StoreInit.self, StoreGrants.self, StoreSync.self, StoreMigrate.self]
    )
}

/// `warroom store status`.
struct StoreStatus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Which store is in use, its versions, the round trip, the offline spool and channels nobody can send.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let location = try global.storeLocation()
        CLIOutput.print("store:          \(location.displayName)")
        let spool = location.isTeamStore && FileManager.default.fileExists(atPath: OfflineSpool.defaultPath())
            ? try OfflineSpool(store: location.identity) : nil
        let store: any WarroomStore
        do {
            store = try await location.open(create: false)
            OpenStores.register(store)
        } catch StoreError.unreachable(let why) {
            CLIOutput.print("reachable:      no (\(why))")
            try printSpool(spool)
            throw ExitCode(1)
        }
        let description = try await store.describe()
        CLIOutput.print("kind:           \(description.kind) \(description.serverVersion)")
        CLIOutput.print("schema version: \(description.schemaVersion)")
        CLIOutput.print("workspace:      \(InertText.make(description.workspace))")
        CLIOutput.print("round trip:     \(String(format: "%.2f ms", description.roundTrip.milliseconds))")
        if let spool {
            let report = try await spool.sync(into: store, policy: try global.policy())
            SpoolReport.print(report)
        }
        try printSpool(spool)
        let now = try global.now()
        let unserved = try await store.unservedChannels(seenSince: now.addingTimeInterval(-OutboxWorker.liveness))
        if unserved.isEmpty {
            CLIOutput.print("outbox:         every pending delivery has a worker that can send it")
        } else {
            for (channel, count) in unserved.sorted(by: { $0.key < $1.key }) {
                CLIOutput.print("outbox:         \(SpoolReport.count(count, "delivery", "deliveries")) to \(InertText.make(channel)) waiting: "
                      + "no worker seen in the last \(Int(OutboxWorker.liveness / 60)) minutes can send to it "
                      + "(run `warroom outbox run` where warroom.yaml configures it and its secrets are set)")
            }
        }
    }

    private func printSpool(_ spool: OfflineSpool?) throws {
        guard let spool else {
            CLIOutput.print("offline spool:  empty")
            return
        }
        let (waiting, refused) = try spool.counts()
        CLIOutput.print("offline spool:  \(SpoolReport.entries(waiting)) waiting, \(refused) refused (\(spool.path))")
        for entry in try spool.entries(.refused) {
            CLIOutput.print("  refused: \(entry.incident) \(entry.kind.rawValue) \"\(InertText.make(entry.text))\": "
                  + InertText.make(entry.problem ?? "refused"))
        }
    }
}

/// `warroom store init`.
struct StoreInit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create or migrate the team store's schema (needs a role that may create tables).",
        discussion: "A role that only reads and writes gets what it needs from `warroom store grants ROLE`.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        CLIOutput.print(try await global.storeLocation().initialize())
    }
}

/// `warroom store grants`.
struct StoreGrants: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grants",
        abstract: "Print the GRANT statements that let a role read and write the team store without DDL rights.")

    @Argument(help: "The PostgreSQL role the laptops connect as.")
    var role: String

    func run() async throws {
        for statement in try StoreGrantStatements.make(role: role) { CLIOutput.print(statement) }
    }
}

/// `warroom store sync`.
struct StoreSync: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Send the entries spooled while the team store was unreachable, in the order they were typed.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let location = try global.storeLocation()
        guard location.isTeamStore else { throw CLIError("this workspace uses the SQLite file, which needs no spool") }
        // Opening a team store syncs the spool first (GlobalOptions.openStore) and reports what it sent.
        _ = try await global.openStore(create: false)
        let (waiting, refused) = try OfflineSpool(store: location.identity).counts()
        CLIOutput.print("offline spool: \(SpoolReport.entries(waiting)) waiting, \(refused) refused")
    }
}

/// `warroom store migrate`.
struct StoreMigrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Copy this workspace's SQLite store into a team store, keeping ids, times, order and the outbox.",
        discussion: """
            Running it again copies nothing twice. Into a team-store workspace that already holds entries it refuses, \
            unless they are the same events with the same ids.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: "The team store to copy into (a PostgreSQL URL).")
    var to: String

    func run() async throws {
        let source = StoreLocation(backend: .file(workspace: global.workspaceURL))
        let target = try StoreLocation.resolve(
            url: to, workspace: global.storeWorkspace, configuredURL: nil, configuredWorkspace: nil, listenURL: nil,
            directory: global.workspaceURL)
        let copied = try await StoreMigration.copy(from: source, to: target)
        CLIOutput.print("copied \(SpoolReport.count(copied.events, "event", "events")) and "
              + "\(SpoolReport.count(copied.deliveries, "delivery", "deliveries")) into \(target.displayName)"
              + (copied.events == 0 && copied.deliveries == 0 ? " (everything was there already)" : ""))
    }
}

/// How the CLI words what the spool did.
enum SpoolReport {
    static func count(_ n: Int, _ one: String, _ many: String) -> String { "\(n) \(n == 1 ? one : many)" }

    static func entries(_ n: Int) -> String { count(n, "entry", "entries") }

    /// Says, on standard error, what a sync sent and refused; nothing when it did nothing.
    static func print(_ report: SpoolSyncReport) {
        guard !report.sent.isEmpty || !report.refused.isEmpty else { return }
        var lines: [String] = []
        if !report.sent.isEmpty { lines.append("sent \(entries(report.sent.count)) from the offline spool") }
        for entry in report.refused {
            lines.append("the team store refused a spooled \(entry.kind.rawValue) for \(entry.incident): "
                         + InertText.make(entry.problem ?? "") + " (kept in the spool; see warroom store status)")
        }
        if report.waiting > 0 { lines.append("\(entries(report.waiting)) still waiting in the offline spool") }
        CLIOutput.printError(lines.map { "warroom: " + $0 }.joined(separator: "\n"))
    }
}

extension Duration {
    /// The duration in milliseconds, fractional.
    var milliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }
}
