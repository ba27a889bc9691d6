import Drills
import Foundation
import IncidentCore
import IncidentStore
import RunbookKit
import Testing

/// `warroom drill` outside the console: listing scenarios, refusing bad input before anything is recorded, ending a
/// drill and printing its score card, and the history of runs.
@Suite("warroom drill run, end, history")
struct DrillCommandTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let now = "2026-11-20T14:00:00Z"

    func storeExists(_ ws: Workspace) -> Bool {
        FileManager.default.fileExists(atPath: ws.url.appendingPathComponent(".warroom").path)
    }

    @Test func withoutAScenarioTheShippedOnesAreListed() throws {
        let ws = try Workspace()
        defer { try? FileManager.default.removeItem(at: ws.url) }
        let out = try ws.ok(["drill"], now: Self.now)
        for id in ["storage-nodes-offline", "kernel-upgrade-canary", "lb-node-memory", "network-change-split-brain", "payments-outage-command"] {
            #expect(out.contains("  \(id)"), "\(out)")
        }
        #expect(out.contains("10 events over 3h 00m"))
    }

    @Test func badInputIsRefusedBeforeAnythingIsRecorded() throws {
        let ws = try Workspace(withShippedRunbooks: true)
        defer { try? FileManager.default.removeItem(at: ws.url) }
        let unknown = try ws.run(["drill", "no-such-drill"], now: Self.now)
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("no drill scenario or runbook no-such-drill; scenarios: "), "\(unknown.stderr)")

        let speed = try ws.run(["drill", "storage-nodes-offline", "--speed", "0"], now: Self.now)
        #expect(speed.status != 0 && speed.stderr.contains("--speed must be a number above 0"))

        let file = ws.url.appendingPathComponent("broken.yaml")
        try """
            id: broken
            title: Broken drill
            runbooks: [major-incident]
            severity: L9
            injects:
              - "T+0m alert: something"
            """.write(to: file, atomically: true, encoding: .utf8)
        let broken = try ws.run(["drill", file.path], now: Self.now)
        #expect(broken.status != 0)
        #expect(broken.stderr.contains("\(file.path):4: "), "\(broken.stderr)")

        let viaOption = try ws.run(["drill", "major-incident", "--scenario", file.path], now: Self.now)
        #expect(viaOption.status != 0 && viaOption.stderr.contains("\(file.path):4: "), "\(viaOption.stderr)")
        let kernel = Self.repository.appendingPathComponent("Runbooks/drills/kernel-upgrade-canary.yaml").path
        let mismatch = try ws.run(["drill", "lb-node-down", "--scenario", kernel], now: Self.now)
        #expect(mismatch.status != 0 && mismatch.stderr.contains("practises host-upgrade-rollback, not lb-node-down"), "\(mismatch.stderr)")

        // Several scenarios practise major-incident: naming the runbook is ambiguous.
        let ambiguous = try ws.run(["drill", "major-incident"], now: Self.now)
        #expect(ambiguous.status != 0 && ambiguous.stderr.contains("several scenarios practise the runbook major-incident"))

        // Without a terminal the console cannot open, so no drill is declared.
        let headless = try ws.run(["drill", "lb-node-down"], now: Self.now)
        #expect(headless.status != 0 && headless.stderr.contains("the console needs a terminal"), "\(headless.stderr)")
        #expect(!storeExists(ws))
    }

    @Test func endPrintsTheScoreCardAndHistoryComparesRuns() async throws {
        let ws = try Workspace(withShippedRunbooks: true)
        defer { try? FileManager.default.removeItem(at: ws.url) }
        let none = try ws.run(["drill", "history"], now: Self.now)
        #expect(none.status != 0, "no store yet")

        // A drill as the console would leave it: declared, ten drill minutes run, closed without /end-drill.
        let runbooks = RunbookLinter.load(paths: [Self.repository.appendingPathComponent("Runbooks").path]).usable
        let scenario = try #require(DrillLinter.load(paths: [Self.repository.appendingPathComponent("Runbooks/drills").path],
                                                      runbooks: nil).scenarios.first { $0.id == "lb-node-memory" })
        let start = try Date(Self.now, strategy: .iso8601)
        let store = try SQLiteEventStore.open(workspace: ws.url)
        let id = try await DrillSession.start(scenario, runbooks: runbooks, speed: 60, store: store, actor: "maria", now: start)
        _ = try await DrillSession(incident: id, store: store, workspace: ws.url, contacts: nil).advance(now: start.addingTimeInterval(600))

        #expect(try ws.ok(["drill", "history"], now: Self.now).contains("No finished drills yet"))

        let ended = try ws.ok(["drill", "end"], now: "2026-11-20T18:00:00Z")
        #expect(ended.hasPrefix("# Drill score card: DRILL-1 — Load-balancer node runs out of memory"), "\(ended)")
        // The clock stopped with the console: the drill ends when its last entry was recorded (T+10m), not at the wall clock.
        #expect(ended.contains("10m of drill time, ended with /end-drill"), "\(ended)")
        #expect(ended.hasSuffix("Score card written to postmortems/DRILL-1-scorecard.md\n"))
        let file = try String(contentsOf: ws.url.appendingPathComponent("postmortems/DRILL-1-scorecard.md"), encoding: .utf8)
        #expect(ended.hasPrefix(file))

        #expect(try ws.ok(["status", "--incident", "DRILL-1"], now: "2026-11-21T09:00:00Z")
            .contains("  drill        lb-node-memory at 60×, 4 of 8 scripted events, ended at T+10m\n"))
        let list = try ws.ok(["list"], now: "2026-11-21T09:00:00Z")
        #expect(list.hasPrefix("DRILL-1*  L2  drill ended   "), "\(list)")
        #expect(try ws.ok(["list", "--active"], now: "2026-11-21T09:00:00Z") == "No active incidents.\n")
        let again = try ws.ok(["drill", "end", "1"], now: "2026-11-21T09:00:00Z")
        #expect(again == ended, "an ended drill's card is written and printed again, unchanged")
        let noneRunning = try ws.run(["drill", "end"], now: Self.now)
        #expect(noneRunning.status != 0 && noneRunning.stderr.contains("no drill is running"))
        let notADrill = try ws.run(["drill", "end", "INC-4"], now: Self.now)
        #expect(notADrill.status != 0 && notADrill.stderr.contains("no drill INC-4 in this workspace (drills: DRILL-1)"))

        let history = try ws.ok(["drill", "history", "lb-node-memory"], now: Self.now)
        #expect(history.hasPrefix("lb-node-memory — Load-balancer node runs out of memory and takes its pool down (1 run)"), "\(history)")
        #expect(history.contains("DRILL-1"))
        let other = try ws.run(["drill", "history", "kernel-upgrade-canary"], now: Self.now)
        #expect(other.status != 0 && other.stderr.contains("no finished drill of the scenario kernel-upgrade-canary"))

        // A drill resolved while no console was open ends at its resolution.
        let second = try await DrillSession.start(scenario, runbooks: runbooks, speed: 60, store: store, actor: "maria",
                                            now: start.addingTimeInterval(3600))
        let resolvedAt = start.addingTimeInterval(3600 + 20 * 60)
        for next in [LifecycleState.investigating, .identified, .mitigating, .monitoring, .resolved] {
            _ = try store.append(to: second) { state in
                [EventDraft(occurredAt: resolvedAt, recordedAt: resolvedAt, actor: "maria", payload: try state.decide(
                    .changeState(to: next, reason: nil, override: next == .resolved ? "drill" : nil), at: resolvedAt, now: resolvedAt))]
            }
        }
        let resolved = try ws.ok(["drill", "end", second], now: "2026-11-21T09:00:00Z")
        #expect(resolved.contains("20m of drill time, ended when the incident was resolved."), "\(resolved)")

        // The export carries the drill entries with their own fields.
        let drillEvents = try ws.export().compactMap { $0["drill_event"] as? [String: Any] }
        #expect(drillEvents.first?["action"] as? String == "started")
        #expect(drillEvents.first?["speed"] as? Double == 60)
        #expect(drillEvents.contains { $0["action"] as? String == "injected" && $0["inject_kind"] as? String == "unanswered" })
        #expect(drillEvents.contains { $0["ending"] as? String == "end-drill" })
        #expect(drillEvents.last?["ending"] as? String == "resolved")
    }
}
