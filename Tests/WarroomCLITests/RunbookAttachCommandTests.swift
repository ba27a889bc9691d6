import Foundation
import Testing
import WarroomTestSupport

/// Runbook files for a workspace's `Runbooks/`: an untagged plan for every L1/L2 incident, a storage plan for L1
/// only, and an L3 plan.
enum RunbookFixtures {
    static let major = """
        ---
        id: major
        title: Major incident
        severities: [L1, L2]
        ---
        ## Command
        - [ ] Take command @ic ⏱ 2m
        - [ ] Name a scribe @ic ⏱ 1m
        """

    static let storage = """
        ---
        id: storage
        title: Storage lost — restore
        severities: [L1]
        tags: [storage]
        ---
        ## Stabilise
        - [ ] Freeze the ops tools @storage ⏱ 5m {#freeze}
          ```sh
          systemctl stop ops.timer
          ```
        - [ ] Stop writes @sre ⏱ 10m
        ## Restore
        - [ ] Start the restore @dba ⏱ 15m {#start}
        """

    static let minor = """
        ---
        id: minor
        title: Minor fault
        severities: [L3]
        ---
        ## Look
        - [ ] Look at the dashboards ⏱ 10m
        """

    /// Writes the fixtures into `directory` (default: the workspace's Runbooks/).
    static func install(in ws: Workspace, directory: URL? = nil, files: [String: String]? = nil) throws {
        let dir = directory ?? ws.url.appendingPathComponent("Runbooks")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (name, text) in files ?? ["major.md": major, "storage.md": storage, "minor.md": minor] {
            try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
    }
}

@Suite("warroom runbook attach, warroom step")
struct RunbookAttachCommandTests {
    let t0 = "2026-11-20T14:00:00Z"
    let t5 = "2026-11-20T14:05:00Z"
    let t9 = "2026-11-20T14:09:00Z"

    func kinds(_ ws: Workspace) throws -> [String] { try ws.export().compactMap { $0["kind"] as? String } }

    func attached(_ ws: Workspace) throws -> [String] {
        try ws.export().filter { $0["kind"] as? String == "runbook" }.compactMap { ($0["runbook"] as? [String: Any])?["id"] as? String }
    }

    @Test func declaringAttachesTheRunbooksOfItsSeverityAndTags() throws {
        let ws = try Workspace()
        try RunbookFixtures.install(in: ws)
        let plain = try ws.run(["declare", "--severity", "L1", "Checkout down"], now: t0)
        #expect(plain.status == 0)
        #expect(plain.stdout == "INC-1\n", "standard output stays the bare id for scripts")
        #expect(plain.stderr == "INC-1: attached major: Major incident (2 steps; applies at L1)\n")
        #expect(try attached(ws) == ["major"])

        let tagged = try ws.run(["declare", "--severity", "L1", "Storage offline", "--tag", "Storage", "--tag", "backup"], now: t0)
        #expect(tagged.stdout == "INC-2\n")
        #expect(tagged.stderr.contains("INC-2: attached storage: Storage lost — restore (3 steps; applies at L1, tags storage)"))
        #expect(try attached(ws) == ["major", "major", "storage"])
        let declaration = try #require(try ws.export().first { $0["incident"] as? String == "INC-2" })
        #expect(declaration["tags"] as? [String] == ["storage", "backup"])

        try ws.ok(["declare", "--severity", "L4", "Noise"], now: t0)
        #expect(try attached(ws).count == 3, "nothing applies at L4")
    }

    @Test func anUpgradeAttachesWhatTheNewLevelCallsInTheSameCommand() throws {
        let ws = try Workspace()
        try RunbookFixtures.install(in: ws)
        try ws.ok(["declare", "--severity", "L3", "Storage slow", "--tag", "storage"], now: t0)
        #expect(try attached(ws) == ["minor"])
        let out = try ws.ok(["sev", "L1", "--reason", "data at risk"], now: t5)
        #expect(out == """
            #3 INC-1 L3 → L1: data at risk
            #4 INC-1 attached major: Major incident (2 steps; applies at L1)
            #5 INC-1 attached storage: Storage lost — restore (3 steps; applies at L1, tags storage)

            """)
        // Down and up again attaches nothing twice.
        try ws.ok(["sev", "L3", "--reason", "contained"], now: t5)
        try ws.ok(["sev", "L1", "--reason", "spread again"], now: t9)
        #expect(try attached(ws) == ["minor", "major", "storage"])
    }

    @Test func attachByHandNamesWhatExistsAndRefusesTwice() throws {
        let ws = try Workspace()
        try RunbookFixtures.install(in: ws)
        try ws.ok(["declare", "--severity", "L1", "Checkout down"], now: t0)
        let out = try ws.ok(["runbook", "attach", "minor", "--at", "14:03"], now: t5)
        #expect(out == "#3 INC-1 attached minor: Minor fault (1 step; attached by hand)\n")
        let event = try #require(try ws.export().last)
        #expect(event["occurred_at"] as? String == "2026-11-20T14:03:00.000Z")
        #expect((event["runbook"] as? [String: Any])?["trigger"] as? String == "manual")

        let before = try ws.export().count
        let again = try ws.run(["runbook", "attach", "minor"], now: t5)
        #expect(again.status != 0)
        #expect(again.stderr.contains("runbook minor is already attached to INC-1 (since 2026-11-20 14:03 UTC)"))
        let unknown = try ws.run(["runbook", "attach", "nope"], now: t5)
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("no runbook nope in "))
        #expect(unknown.stderr.contains("available: major, minor, storage"))
        #expect(try ws.export().count == before)
    }

    @Test func theIncidentKeepsTheRunbookItAttachedWhateverHappensToTheFile() throws {
        let ws = try Workspace()
        try RunbookFixtures.install(in: ws)
        try ws.ok(["declare", "--severity", "L1", "Storage offline", "--tag", "storage"], now: t0)
        // The file is rewritten: step 1 reworded and given a new id, a step inserted before it.
        let edited = RunbookFixtures.storage
            .replacingOccurrences(of: "- [ ] Freeze the ops tools @storage ⏱ 5m {#freeze}",
                                  with: "- [ ] Page storage @storage\n- [ ] Freeze everything @storage ⏱ 5m {#freeze-all}")
        try edited.write(to: ws.url.appendingPathComponent("Runbooks/storage.md"), atomically: true, encoding: .utf8)
        let checklist = try ws.ok(["runbook", "checklist", "--incident", "1"], now: t5)
        #expect(checklist.contains("Freeze the ops tools"))
        #expect(!checklist.contains("Freeze everything") && !checklist.contains("Page storage"))
        #expect(try ws.ok(["step", "done", "storage:freeze"], now: t5) == "#4 INC-1 done #1 Freeze the ops tools (storage)\n")
        let refused = try ws.run(["step", "done", "storage:freeze-all"], now: t5)
        #expect(refused.stderr.contains("runbook storage has no step freeze-all; its steps are 1–3 or their ids: 1 freeze, 2 stop-writes, 3 start"))
    }

    @Test func stepsAreCheckedSkippedAndUndoneOnTheTimeline() throws {
        let ws = try Workspace()
        try RunbookFixtures.install(in: ws)
        try ws.ok(["declare", "--severity", "L1", "Storage offline", "--tag", "storage"], now: t0)
        #expect(try ws.ok(["step", "done", "storage:1"], now: t5) == "#4 INC-1 done #1 Freeze the ops tools (storage)\n")
        #expect(try ws.ok(["step", "skip", "storage:stop-writes", "--reason", "writes already failing"], now: t5)
            == "#5 INC-1 skipped #2 Stop writes (storage) — reason: writes already failing\n")
        #expect(try ws.ok(["step", "done", "major:take-command", "--at", "14:01"], now: t5)
            == "#6 INC-1 done #1 Take command (major)\n")
        #expect(try ws.ok(["step", "undo", "storage:freeze", "--reason", "timer restarted"], now: t9)
            == "#7 INC-1 reopened #1 Freeze the ops tools (storage; takes back #4) — reason: timer restarted\n")

        let timeline = try ws.ok(["timeline"], now: t9)
        #expect(timeline.contains("#6 14:01:00  step       maria: done #1 Take command (major)  [recorded 14:05:00]"))
        #expect(timeline.contains("#5 14:05:00  step       maria: skipped #2 Stop writes (storage) — reason: writes already failing"))

        let json = try JSONSerialization.jsonObject(with: Data(try ws.ok(["timeline", "--json"], now: t9).utf8)) as! [[String: Any]]
        let steps = json.filter { $0["kind"] as? String == "step" }
        #expect(steps.count == 4)
        let skip = try #require(steps.first { $0["id"] as? Int == 5 })
        #expect(skip["reason"] as? String == "writes already failing")
        #expect(skip["text"] as? String == "Stop writes")
        #expect(skip["actor"] as? String == "maria")
        let detail = try #require(skip["runbook"] as? [String: Any])
        #expect(detail["id"] as? String == "storage" && detail["action"] as? String == "skipped")
        #expect(detail["step"] as? String == "stop-writes" && detail["step_number"] as? Int == 2)
        let undo = try #require(steps.first { $0["id"] as? Int == 7 })
        #expect((undo["runbook"] as? [String: Any])?["reverts"] as? Int == 4)

        let list = try ws.ok(["runbook", "checklist"], now: t9)
        #expect(list.contains("    [>] 1 @storage Freeze the ops tools  (9m of 5m OVER)"))
        #expect(list.contains("    [-] 2 @sre     Stop writes  (skipped 14:05 by maria: writes already failing)"))
        #expect(list.contains("    [ ] 3 @dba     Start the restore  (timebox 15m)"))
        #expect(list.contains("    [x] 1 @ic Take command  (1m of 2m; done 14:01 by maria)"))
    }

    @Test func refusedStepChangesSayWhyAndChangeNothing() throws {
        let ws = try Workspace()
        try RunbookFixtures.install(in: ws)
        try ws.ok(["declare", "--severity", "L1", "Storage offline", "--tag", "storage"], now: t0)
        try ws.ok(["step", "done", "storage:freeze"], now: t5)
        let cases: [([String], String)] = [
            (["step", "done", "storage:freeze"], "step storage:freeze is already done (2026-11-20 14:05 UTC by maria); undo it first"),
            (["step", "skip", "storage:freeze", "--reason", "x"], "step storage:freeze is already done"),
            (["step", "skip", "storage:start"], "--reason"),
            (["step", "skip", "storage:start", "--reason", "  "], "skipping a step needs a reason"),
            (["step", "undo", "storage:start"], "step storage:start is neither done nor skipped; there is nothing to undo"),
            (["step", "done", "nope:1"], "no runbook nope is attached to INC-1; attached: major, storage"),
            (["step", "done", "storage:42"], "runbook storage has no step 42; its steps are 1–3 or their ids: 1 freeze, 2 stop-writes, 3 start"),
            (["step", "done", "start"], "several runbooks are attached; name one as RUNBOOK:start (attached: major, storage)"),
            (["step", "done", "storage:start", "--at", "2026-11-20 15:00"], "in the future"),
            (["step", "finish", "storage:start"], "finish"),
            (["runbook", "attach"], "Missing expected argument"),
        ]
        let before = try ws.export().count
        for (arguments, message) in cases {
            let result = try ws.run(arguments, now: t5)
            #expect(result.status != 0, "\(arguments)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
            #expect(result.stdout.isEmpty, "\(arguments)")
        }
        #expect(try ws.export().count == before)
    }

    @Test func aCatalogWithProblemsStillDeclaresAndWarns() throws {
        let ws = try Workspace()
        try RunbookFixtures.install(in: ws, files: [
            "major.md": RunbookFixtures.major,
            "broken.md": "---\nid: broken\ntitle: Broken\nseverities: [L1]\nseverity: L1\n---\n## P\n- [ ] Step\n",
        ])
        let result = try ws.run(["declare", "--severity", "L1", "Checkout down"], now: t0)
        #expect(result.status == 0)
        #expect(result.stdout == "INC-1\n")
        #expect(result.stderr.contains("warning: 1 runbook problem; 1 runbook was left out of attaching (check with warroom runbook lint):"))
        #expect(result.stderr.contains("/broken.md:5: "))
        #expect(try attached(ws) == ["major"])
        let manual = try ws.run(["runbook", "attach", "broken"], now: t5)
        #expect(manual.status != 0)
        #expect(manual.stderr.contains("runbook broken has problems; fix them before attaching it:"))
        #expect(try attached(ws) == ["major"])
    }

    @Test func runbooksComeFromTheOptionTheEnvironmentTheWorkspaceOrTheShippedSet() throws {
        let ws = try Workspace()
        let elsewhere = try makeTemporaryDirectory("warroom-runbooks")
        try RunbookFixtures.install(in: ws, directory: elsewhere, files: ["minor.md": RunbookFixtures.minor.replacingOccurrences(of: "[L3]", with: "[L2]")])
        try RunbookFixtures.install(in: ws, files: ["major.md": RunbookFixtures.major])
        try ws.ok(["declare", "-s", "L2", "a", "--runbooks", elsewhere.path], now: t0)
        let env = try ws.run(["declare", "-s", "L2", "b"], now: t0, environment: ["WARROOM_RUNBOOKS": elsewhere.path])
        #expect(env.status == 0)
        try ws.ok(["declare", "-s", "L2", "c"], now: t0)
        #expect(try attached(ws) == ["minor", "minor", "major"])

        // With no Runbooks/ in the workspace, the runbooks shipped with Warroom are used.
        let bare = try Workspace(withShippedRunbooks: true)
        try bare.ok(["declare", "-s", "L1", "Storage offline", "--tag", "storage"], now: t0)
        #expect(try attached(bare) == ["major-incident", "storage-restore-from-backup"])
    }

    @Test func theNewCommandsHaveHelp() throws {
        let ws = try Workspace()
        for command in [["step"], ["step", "done"], ["step", "skip"], ["step", "undo"], ["runbook", "attach"], ["runbook", "checklist"]] {
            let result = try ws.run(command + ["--help"], now: t0)
            #expect(result.status == 0, "\(command)")
            #expect(result.stdout.contains("USAGE: warroom \(command.joined(separator: " "))"), "\(command): \(result.stdout)")
        }
    }
}
