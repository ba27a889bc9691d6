import ArgumentParser
import Foundation
import IncidentCore
import StoreKit

/// `warroom demo`: seeds a workspace with a realistic storage outage and opens the console on it.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Open the console on a demo incident: a storage tier lost to an ops-tool bug, restore from backup under way.",
        discussion: "Without --workspace the demo gets a fresh directory under the system's temporary directory, printed on exit."
    )

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Seed the workspace and print its path without opening the console.")
    var seedOnly = false

    @OptionGroup var runbooks: RunbookOptions

    func run() async throws {
        let workspace: URL
        if global.workspace != nil || ProcessInfo.processInfo.environment["WARROOM_WORKSPACE"] != nil {
            workspace = global.workspaceURL
        } else {
            workspace = FileManager.default.temporaryDirectory.appendingPathComponent("warroom-demo-\(UUID().uuidString.prefix(8))")
        }
        try FileManager.default.createDirectory(at: workspace, withIntermediateDirectories: true)
        let store = try await StoreLocation(backend: .file(workspace: workspace)).open(create: true)
        try DemoContacts.write(into: workspace)
        let id = try await DemoIncident.seed(into: store, now: try global.now(),
                                       runbooks: runbooks.usableForAttaching(workspace: global.workspaceURL))
        try await DemoContacts.seedPages(into: store, incident: id, workspace: workspace, now: try global.now())
        if seedOnly {
            CLIOutput.print(workspace.path)
            return
        }
        try await openConsole(store: store, global: global, incident: id, runbooks: runbooks, contactsIn: workspace)
        CLIOutput.print("The demo incident \(id) is in \(workspace.path)")
        CLIOutput.print("Try: warroom timeline --workspace \(workspace.path)")
    }
}

/// A storage outage modelled on a public post-incident report: an ops tool took production storage
/// offline and recovery meant restoring from backup. Times are relative to now so the clock is live.
enum DemoIncident {
    private struct Entry {
        var minutesAgo: Double
        var recordedMinutesAgo: Double?
        var actor: String
        var command: IncidentCommand
    }

    static func seed(into store: some EventStore, now: Date, runbooks: [Runbook] = []) async throws -> IncidentID {
        func at(_ minutesAgo: Double) -> Date { now.addingTimeInterval(-minutesAgo * 60) }
        // Declaring attaches the runbooks that match (storage-restore-from-backup by its tag, major-incident by level).
        let declared = try await store.declare(EventDraft(
            occurredAt: at(52), recordedAt: at(52), actor: "maria",
            payload: .declared(Declaration(
                title: "Document storage tier offline: opens and saves failing",
                severity: .l2,
                impact: "All users: documents cannot be opened or saved; /files API returns 503",
                tags: ["storage", "backup"])))) { $0.attachDrafts(from: runbooks, at: at(52), recordedAt: at(52), actor: "maria") }[0]
        let id = declared.incident
        let entries: [Entry] = [
            Entry(minutesAgo: 61, recordedMinutesAgo: 49, actor: "dev",
                  command: .note("Alert fired: storage health check failing on 14 of 20 nodes (first page)")),
            Entry(minutesAgo: 51, actor: "maria", command: .assignRole(role: Role.scribe, holder: "dev")),
            Entry(minutesAgo: 51, actor: "dev", command: .acceptRole(Role.scribe)),
            Entry(minutesAgo: 51, actor: "maria", command: .assignRole(role: Role.communications, holder: "chen")),
            Entry(minutesAgo: 50, actor: "chen", command: .acceptRole(Role.communications)),
            Entry(minutesAgo: 50, actor: "maria", command: .changeState(to: .investigating, reason: nil, override: nil)),
            Entry(minutesAgo: 47, actor: "sam",
                  command: .note("Ops tool run decom-batch-7, started ten minutes before the alert, targeted production storage hosts instead of staging")),
            Entry(minutesAgo: 45, actor: "maria",
                  command: .changeSeverity(to: .l1, reason: "Data at risk: 14 storage nodes wiped by the decommission run")),
            Entry(minutesAgo: 44, actor: "chen", command: .recordStatusUpdate(message:
                "[L1][investigating] Document storage offline for all users. Storage nodes were taken offline by an internal tool; we are assessing recovery. Next update in 15 minutes.")),
            Entry(minutesAgo: 42, actor: "maria", command: .decision("Freeze every ops-tool run until further notice")),
            Entry(minutesAgo: 38, actor: "maria", command: .changeState(to: .identified, reason: "Decommission tool bug wiped production storage nodes", override: nil)),
            Entry(minutesAgo: 36, actor: "sam", command: .note("Hardware team: disks were wiped, in-place recovery impossible")),
            Entry(minutesAgo: 35, actor: "maria", command: .decision("Restore from last night's backup to a fresh storage cluster")),
            Entry(minutesAgo: 33, actor: "maria", command: .changeState(to: .mitigating, reason: "Restore from backup started", override: nil)),
            Entry(minutesAgo: 30, actor: "dev", command: .actionItem("Guard the ops tool against production targets; audit its host selection (owner: sam)")),
            Entry(minutesAgo: 29, actor: "chen", command: .recordStatusUpdate(message:
                "[L1][mitigating] Restoring documents from backup. Uploads stay disabled during the restore. Next update in 15 minutes.")),
            Entry(minutesAgo: 20, actor: "sam", command: .note("Restore at 18%, estimate 3h at current rate")),
            Entry(minutesAgo: 11, actor: "chen", command: .recordStatusUpdate(message:
                "[L1][mitigating] Restore 25% complete; integrity checks will run before we reopen writes. Next update in 15 minutes.")),
            Entry(minutesAgo: 6, actor: "sam", command: .note("Canary read of restored shard 1 OK, checksums match the backup manifest")),
            Entry(minutesAgo: 2, actor: "chen", command: .note("客服已通知重点客户 (support has told key accounts)")),
        ] + storySteps(attached: runbooks.map(\.id))
        for entry in entries {
            let occurredAt = at(entry.minutesAgo)
            let recordedAt = at(entry.recordedMinutesAgo ?? entry.minutesAgo)
            _ = try await store.append(to: id) { state in
                try state.drafts(for: entry.command, at: occurredAt, now: recordedAt, actor: entry.actor, runbooks: runbooks)
            }
        }
        // A scribe's slip corrected later: the original stays on the timeline.
        let slip = try await store.events(of: id).first { $0.payload == .note("Restore at 18%, estimate 3h at current rate") }!
        _ = try await store.append(to: id) { state in
            let payload = try state.decide(.correct(slip.id, text: "Restore at 18%, estimate 4h at current rate"), at: at(18), now: at(18))
            return [EventDraft(occurredAt: at(18), recordedAt: at(18), actor: "dev", payload: payload)]
        }
        return id
    }

    /// The runbook steps the story has already worked through, as (step, minutes ago, who); in log order after
    /// the story's entries, which is harmless: step changes are placed on the timeline by when they happened.
    private static func storySteps(attached: [String]) -> [Entry] {
        let storage: [(Int, Double, String)] = [
            (1, 52, "maria"), (2, 41, "sam"), (3, 40, "sam"), (4, 44, "chen"), (5, 39, "sam"), (6, 37, "sam"),
            (7, 36, "sam"), (8, 36, "maria"), (9, 35, "maria"), (10, 34, "sam"), (11, 33, "sam"), (12, 20, "sam"),
        ]
        let major: [(Int, Double, String)] = [
            (1, 52, "maria"), (2, 52, "maria"), (3, 51, "maria"), (4, 50, "dev"), (5, 49, "dev"), (6, 50, "maria"),
            (7, 47, "maria"), (8, 45, "maria"), (9, 44, "chen"), (10, 44, "chen"), (11, 47, "sam"), (12, 35, "maria"),
            (14, 45, "maria"),
        ]
        var entries: [Entry] = []
        if attached.contains("storage-restore-from-backup") {
            entries += storage.map { Entry(minutesAgo: $0.1, actor: $0.2, command: .runbook(.check("storage-restore-from-backup:\($0.0)"))) }
        }
        if attached.contains("major-incident") {
            entries += major.map { Entry(minutesAgo: $0.1, actor: $0.2, command: .runbook(.check("major-incident:\($0.0)"))) }
            entries.append(Entry(minutesAgo: 52, actor: "maria", command: .runbook(.skip(
                "major-incident:13", reason: "storage-restore-from-backup was attached on declaration by its storage tag"))))
        }
        return entries
    }
}
