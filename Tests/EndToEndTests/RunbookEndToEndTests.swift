import Foundation
import Testing

/// Runbooks in the real console: declaring attaches the matching runbook, and the checklist pane's keys record
/// step changes that the CLI then reads back.
@Suite(.serialized, .enabled(if: TmuxConsole.isAvailable, "tmux is not installed; the end-to-end tests drive the console in tmux"))
struct RunbookEndToEndTests {
    static let outage = """
        ---
        id: outage
        title: Storage outage
        severities: [L1]
        ---
        ## Stabilise
        - [ ] Freeze the ops tools @storage ⏱ 5m
          ```sh
          systemctl stop ops.timer
          ```
          > expect: no ops-tool process on any host
        - [ ] Stop writes @sre ⏱ 10m
        - [ ] Tell support @comms ⏱ 10m
        """

    static let minor = """
        ---
        id: minor-fault
        title: Minor fault
        severities: [L3]
        ---
        ## Look
        - [ ] Look at the dashboards
        """

    /// An empty workspace whose Runbooks/ holds an L1 plan and an L3 plan.
    private func workspace() throws -> URL {
        try #require(FileManager.default.isExecutableFile(atPath: Warroom.path), "no warroom binary at \(Warroom.path)")
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("warroom-e2e-runbook-\(UUID().uuidString.prefix(8))")
        let runbooks = url.appendingPathComponent("Runbooks")
        try FileManager.default.createDirectory(at: runbooks, withIntermediateDirectories: true)
        try Self.outage.write(to: runbooks.appendingPathComponent("outage.md"), atomically: true, encoding: .utf8)
        try Self.minor.write(to: runbooks.appendingPathComponent("minor.md"), atomically: true, encoding: .utf8)
        return url
    }

    @Test func declareAttachCheckAndSkipFromTheChecklistPane() throws {
        let ws = try workspace()
        let console = try TmuxConsole(workspace: ws, environment: ["WARROOM_CLOCK_START": "2025-03-14T14:00:00Z"])
        defer {
            console.close()
            try? FileManager.default.removeItem(at: ws)
        }
        try console.waitFor(text: "no incident")

        try console.enter("/declare L1 Storage offline")
        // One predicate for the whole frame: a capture can land while ncurses is still writing the frame out.
        var screen = try console.waitFor("the attached runbook's checklist and its timeline entry") {
            $0.contains("Storage offline") && $0.contains("[>] 1 Freeze the ops") && $0.contains("attached outage: Storage outage")
        }
        #expect(!screen.contains("minor-fault") && !screen.contains("Look at the dashboards"), "the L3 runbook must not attach:\n\(screen)")

        // Tab to the checklist pane (status, then runbook), check the step in progress, then skip the next with a reason.
        try console.press("Tab")
        try console.press("Tab")
        try console.waitFor("the runbook pane focused") { $0.contains("Runbook") && !$0.contains("Enter records a note") }
        try console.press("Space")
        screen = try console.waitFor("step 1 checked, and on the timeline") {
            $0.contains("[x] 1 Freeze the ops") && $0.contains("[>] 2 Stop writes") && $0.contains("done #1 Freeze the ops tools (outage)")
        }

        try console.press("s")
        try console.waitFor(text: "/step skip outage:stop-writes")
        try console.enter("writes already failing")
        screen = try console.waitFor("step 2 skipped, and on the timeline with its reason") {
            $0.contains("[-] 2 Stop writes") && $0.contains("[>] 3 Tell support")
                && $0.contains("skipped #2 Stop writes (outage) — reason: writes already failing")
        }

        // Enter on the step in progress shows its details.
        try console.press("Escape")
        try console.press("Enter")
        try console.waitFor(text: "Step outage:tell-support")
        try console.press("Escape")

        let timeline = try Warroom.must(["timeline"], workspace: ws)
        #expect(timeline.contains("runbook    tester: attached outage: Storage outage (3 steps; applies at L1)"), "\(timeline)")
        #expect(timeline.contains("step       tester: done #1 Freeze the ops tools (outage)"), "\(timeline)")
        #expect(timeline.contains("step       tester: skipped #2 Stop writes (outage) — reason: writes already failing"), "\(timeline)")

        let json = try #require(try JSONSerialization.jsonObject(with: Data(Warroom.must(["timeline", "--json"], workspace: ws).utf8)) as? [[String: Any]])
        let steps = json.filter { $0["kind"] as? String == "step" }
        let actions = steps.compactMap { ($0["runbook"] as? [String: Any])?["action"] as? String }
        #expect(actions == ["done", "skipped"])
        #expect(steps.allSatisfy { $0["actor"] as? String == "tester" })
        #expect(steps.last?["reason"] as? String == "writes already failing")
        #expect(json.filter { $0["kind"] as? String == "runbook" }.count == 1)
    }
}
