import Foundation
import IncidentCore
import Testing
@testable import Console

/// Two phases; timeboxes of 5m, 10m, 10m and 15m; the last step has none.
let restorePlan = Runbook(
    id: "restore", title: "Storage lost — restore", severities: [.l1], tags: ["storage"],
    phases: [
        Runbook.Phase(title: "Stabilise", line: 8, steps: [
            Runbook.Step(id: "freeze", number: 1, text: "Freeze the ops tools", owner: "storage", timeboxSeconds: 300,
                         command: "systemctl stop ops.timer\nceph osd set noout", commandLanguage: "sh",
                         expect: "no ops-tool process on any host", notes: ["noout stops rebalancing"], line: 9),
            Runbook.Step(id: "stop-writes", number: 2, text: "Stop writes", owner: "sre", timeboxSeconds: 600, line: 13),
            Runbook.Step(id: "broadcast", number: 3, text: "Send the first broadcast", owner: "comms", timeboxSeconds: 600, line: 14),
        ]),
        Runbook.Phase(title: "Restore", line: 16, steps: [
            Runbook.Step(id: "start", number: 4, text: "Start the restore", owner: "dba", timeboxSeconds: 900, line: 17),
            Runbook.Step(id: "measure", number: 5, text: "Measure throughput", owner: "dba", line: 18),
        ]),
    ])

/// An L1 storage incident: the plan attached at 14:00, step 1 done at 14:07 (over its 5m), step 2 skipped at 14:08;
/// step 3 is in progress.
let checklistEvents: [Event] = [
    event(1, .declared(Declaration(title: "Storage offline", severity: .l1, impact: "documents unavailable", tags: ["storage"])), at: base),
    event(2, .runbook(.attached(restorePlan, trigger: .matched(.l1, tags: ["storage"]))), at: base),
    event(3, .runbook(.step(StepEvent(runbook: "restore", step: "freeze", number: 1, text: "Freeze the ops tools", action: .done))),
          at: minute(7), by: "bob"),
    event(4, .runbook(.step(StepEvent(runbook: "restore", step: "stop-writes", number: 2, text: "Stop writes", action: .skipped,
                                      reason: "writes already failing"))), at: minute(8), by: "bob"),
]

/// The pane's inner text, row by row.
func checklistPane(_ model: ConsoleModel) -> [String] {
    let layout = ConsoleLayout(width: model.width, height: model.height)!
    let inner = layout.checklist.inset(1)
    let buffer = model.render()
    return (inner.y..<inner.maxY).map { y in (inner.x..<inner.maxX).map { buffer[$0, y].text }.joined() }
}

/// The style of the first cell showing `text` in the checklist pane.
func style(of text: String, in model: ConsoleModel) -> Style? {
    let buffer = model.render()
    let pane = ConsoleLayout(width: model.width, height: model.height)!.checklist
    for y in pane.y..<pane.maxY {
        let row = (pane.x..<pane.maxX).map { buffer[$0, y].text }.joined()
        if let range = row.range(of: text) { return buffer[pane.x + row.distance(from: row.startIndex, to: range.lowerBound), y].style }
    }
    return nil
}

@Suite struct ChecklistPaneTests {
    @Test func narrowPaneAt80x24ShowsStatesOwnersAndTimes() {
        let model = console(checklistEvents, now: minute(22))
        #expect(checklistPane(model) == [
            "[-] 2 Stop writes     ",
            "      @sre            ",
            "[>] 3 Send the first …",
            "      @comms   22m/10m",
            "Restore               ",
            "[ ] 4 Start the resto…",
        ])
        let lines = model.lines
        #expect(lines[1] == "┌ Status ──────────────────────┐┌ Runbook ────────── ↑ ┐┌ Contacts ────────────┐")
        #expect(lines[8].hasPrefix("└────────────────────── ↓ more ┘└─────────────────── ↓ ┘"))
    }

    @Test func theRunningStepOverItsTimeboxIsLoudAndAFinishedOverrunIsRed() {
        var model = console(checklistEvents, now: minute(22))
        #expect(style(of: "22m/10m", in: model) == Palette.overdue)
        // Scrolled to the top: step 1 took 7m of its 5m.
        model.press(.tab, .tab, .home)
        #expect(checklistPane(model)[0...3] == ["restore            2/5", "Stabilise             ", "[x] 1 Freeze the ops …", "      @storage   7m/5m"])
        #expect(style(of: "7m/5m", in: model)?.foreground == Palette.error.foreground)
        // Before the timebox runs out the time is plain.
        let early = console(checklistEvents, now: minute(12))
        #expect(style(of: "12m/10m", in: early) == Palette.overdue)
        let earlier = console(Array(checklistEvents.prefix(2)), now: minute(4))
        #expect(checklistPane(earlier)[2...3] == ["[>] 1 Freeze the ops …", "      @storage   4m/5m"])
        #expect(style(of: "4m/5m", in: earlier) == .plain)
    }

    @Test func widePaneAt160x48GivesEachStepOneRowWithOwnerAndTime() {
        let model = console(checklistEvents, width: 160, height: 48, now: minute(22))
        let pane = checklistPane(model).map { $0.replacingOccurrences(of: " +$", with: "", options: .regularExpression) }
        #expect(pane.prefix(9) == [
            "restore                                    2/5",
            "Stabilise",
            "[x] 1 Freeze the ops tools    @storage   7m/5m",
            "[-] 2 Stop writes             @sre",
            "[>] 3 Send the first broadca… @comms   22m/10m",
            "Restore",
            "[ ] 4 Start the restore       @dba         15m",
            "[ ] 5 Measure throughput      @dba",
            "",
        ])
        #expect(style(of: "22m/10m", in: model) == Palette.overdue)
        #expect(style(of: "[x]", in: model)?.foreground == .green)
        #expect(style(of: "Send the first", in: model)?.attributes.contains(.bold) == true)
    }

    @Test func theStatusPaneShowsTheNextOpenStep() {
        let model = console(checklistEvents, width: 160, height: 48, now: minute(22))
        let status = model.lines[2...12].map { String($0.dropFirst().prefix(62)).trimmingCharacters(in: .whitespaces) }
        #expect(status.contains("Next    #3 Send the first broadcast @comms 22m/10m"))
        let done = checklistEvents + [
            event(5, .runbook(.step(StepEvent(runbook: "restore", step: "broadcast", number: 3, text: "Send", action: .done))), at: minute(23)),
        ]
        let after = console(done, width: 160, height: 48, now: minute(25))
        let lines = after.lines[2...12].map { String($0.dropFirst().prefix(62)).trimmingCharacters(in: .whitespaces) }
        #expect(lines.contains("Next    #4 Start the restore @dba 2m/15m"))
        // Without runbooks the status pane has no Next line at all.
        #expect(!console().lines.contains { $0.contains("Next") })
    }

    @Test func spaceChecksTheSelectedStep() {
        var model = console(checklistEvents, now: minute(22))
        model.press(.tab, .tab)
        #expect(model.focus == .checklist)
        #expect(model.press(.char(" ")) == [.record("INC-1", .runbook(.check("restore:broadcast")), occurredAt: minute(22))])
        // The cursor moves on to the next step, as on a paper list.
        #expect(model.press(.char(" ")) == [.record("INC-1", .runbook(.check("restore:start")), occurredAt: minute(22))])
        // j moves the selection down; Space on a done step says so, records nothing and stays there.
        model.press(.home)
        #expect(model.press(.char(" ")) == [])
        #expect(model.notice?.isError == true)
        #expect(model.notice?.text.contains("step restore:freeze is already done") == true)
        #expect(model.press(.char("u")) == [.record("INC-1", .runbook(.undo("restore:freeze", reason: nil)), occurredAt: minute(22))])
        model.press(.char("j"), .char("j"), .char("j"))
        #expect(model.press(.char(" ")) == [.record("INC-1", .runbook(.check("restore:start")), occurredAt: minute(22))])
    }

    @Test func sAsksForTheReasonOnTheCommandLine() {
        var model = console(checklistEvents, now: minute(22))
        model.press(.tab, .tab, .char("s"))
        #expect(model.focus == .commandLine)
        #expect(model.editor.text == "/step skip restore:broadcast ")
        #expect(model.notice?.text == "Type why step 3 is skipped, then Enter (Esc cancels)")
        // Without a reason nothing is recorded.
        #expect(model.press(.enter) == [])
        #expect(model.notice?.text == "skipping a step needs a reason: /step skip RUNBOOK:STEP REASON")
        model.type("comms lead already sent one")
        #expect(model.press(.enter) == [.record("INC-1", .runbook(.skip("restore:broadcast", reason: "comms lead already sent one")),
                                               occurredAt: minute(22))])
        // Back on the pane, the cursor is on the step after the skipped one.
        model.press(.escape)
        #expect(model.press(.char(" ")) == [.record("INC-1", .runbook(.check("restore:start")), occurredAt: minute(22))])
    }

    @Test func uUnchecksAClosedStepAndRefusesAnOpenOne() {
        var model = console(checklistEvents, now: minute(22))
        model.press(.tab, .tab)
        #expect(model.press(.char("u")) == [])
        #expect(model.notice?.text == "step restore:broadcast is neither done nor skipped; there is nothing to undo")
        model.press(.char("k"))
        #expect(model.press(.char("u")) == [.record("INC-1", .runbook(.undo("restore:stop-writes", reason: nil)), occurredAt: minute(22))])
        model.press(.char("k"))
        #expect(model.press(.char("u")) == [.record("INC-1", .runbook(.undo("restore:freeze", reason: nil)), occurredAt: minute(22))])
    }

    @Test func enterShowsTheCommandExpectedResultAndNotes() {
        var model = console(checklistEvents, now: minute(22))
        model.press(.tab, .tab, .home, .enter)
        let screen = model.lines.joined(separator: "\n")
        #expect(screen.contains("Step restore:freeze (Esc closes)"))
        #expect(screen.contains("1. Freeze the ops tools"))
        #expect(screen.contains("Status   done at 14:07 by bob"))
        #expect(screen.contains("Owner    @storage"))
        #expect(screen.contains("Time     7m 00s of 5m — over"))
        #expect(screen.contains("Command (sh)"))
        #expect(screen.contains("  systemctl stop ops.timer"))
        #expect(screen.contains("  ceph osd set noout"))
        #expect(screen.contains("Expect"))
        #expect(screen.contains("  no ops-tool process on any host"))
        #expect(screen.contains("  · noout stops rebalancing"))
        // Keys go to the overlay while it is open: Space checks nothing.
        #expect(model.press(.char(" ")) == [])
        model.press(.escape)
        #expect(!model.lines.joined().contains("Esc closes"))
        #expect(model.focus == .checklist)
    }

    @Test func theSkipReasonShowsInTheDetails() {
        var model = console(checklistEvents, now: minute(22))
        model.press(.tab, .tab, .char("k"), .enter)
        #expect(model.lines.contains { $0.contains("Status   skipped at 14:08 by bob: writes already failing") })
    }

    @Test func theSelectionStaysOnItsStepWhenEntriesArrive() {
        var model = console(checklistEvents, now: minute(22))
        model.press(.tab, .tab, .char("j"))
        _ = model.update(.appended([
            event(5, .runbook(.step(StepEvent(runbook: "restore", step: "broadcast", number: 3, text: "Send", action: .done))), at: minute(22)),
        ]))
        #expect(model.press(.char(" ")) == [.record("INC-1", .runbook(.check("restore:start")), occurredAt: minute(22))])
    }

    @Test func withoutRunbooksThePaneSaysHowToAttachOne() {
        var model = console(width: 80, height: 24)
        #expect(checklistPane(model)[0] == "No runbook attached.  ")
        _ = model.update(.runbooksLoaded([restorePlan], problems: []))
        #expect(checklistPane(model)[1...2] == ["/runbook ID attaches  ", "one: restore          "])
        model.press(.tab, .tab)
        #expect(model.press(.char(" ")) == [])
        #expect(model.notice?.text == "INC-1 has no runbook attached; /runbook ID attaches one")
    }

    @Test func runbookProblemsAreReportedOnce() {
        var model = console()
        _ = model.update(.runbooksLoaded([], problems: ["Runbooks/x.md:3: unknown key \"severity\""]))
        #expect(model.notice == ConsoleNotice(
            text: "1 runbook problem; runbooks with problems are not attached (warroom runbook lint): Runbooks/x.md:3: unknown key \"severity\"",
            isError: true))
    }

    @Test func runbooksReadAgainAreAnnouncedOnlyWhenTheyChanged() {
        var model = console()
        _ = model.update(.runbooksLoaded([restorePlan], problems: []))
        #expect(model.notice == nil)
        _ = model.update(.runbooksLoaded([restorePlan], problems: []))
        #expect(model.notice == nil)
        var edited = restorePlan
        edited.title = "Restore, revised"
        _ = model.update(.runbooksLoaded([edited], problems: []))
        #expect(model.notice == ConsoleNotice(text: "runbooks changed: 1 can be attached", isError: false))
        #expect(model.submit("/runbook restore") == [.record("INC-1", .runbook(.attach(edited)), occurredAt: minute(10))])
    }

    @Test func slashRunbookAttachesByHand() {
        var model = console()
        _ = model.update(.runbooksLoaded([restorePlan], problems: []))
        #expect(model.submit("/runbook nope") == [])
        #expect(model.notice?.text == "no runbook nope; available: restore")
        model.press(.ctrl("u"))
        #expect(model.submit("/runbook restore") == [.record("INC-1", .runbook(.attach(restorePlan)), occurredAt: minute(10))])
        #expect(model.submit("/at 14:03 /runbook restore") == [.record("INC-1", .runbook(.attach(restorePlan)), occurredAt: minute(3))])
        let attached = console(checklistEvents, now: minute(22))
        var again = attached
        _ = again.update(.runbooksLoaded([restorePlan], problems: []))
        #expect(again.submit("/runbook restore") == [])
        #expect(again.notice?.text == "runbook restore is already attached to INC-1 (since 2026-11-23 14:00 UTC)")
    }

    @Test func slashStepWorksLikeTheKeys() {
        var model = console(checklistEvents, now: minute(22))
        #expect(model.submit("/step done restore:3") == [.record("INC-1", .runbook(.check("restore:3")), occurredAt: minute(22))])
        #expect(model.submit("/at 14:20 /step skip 4 not needed") ==
            [.record("INC-1", .runbook(.skip("4", reason: "not needed")), occurredAt: minute(20))])
        #expect(model.submit("/step undo restore:freeze timer restarted") ==
            [.record("INC-1", .runbook(.undo("restore:freeze", reason: "timer restarted")), occurredAt: minute(22))])
        #expect(model.submit("/step undo restore:start") == [])
        #expect(model.notice?.text == "step restore:start is neither done nor skipped; there is nothing to undo")
        model.press(.ctrl("u"))
        #expect(model.submit("/step finish 3") == [])
        #expect(model.notice?.text == "/step finish is not an action; use done, skip or undo: /step done|skip|undo RUNBOOK:STEP [REASON]")
        model.press(.ctrl("u"))
        #expect(model.submit("/step done restore:99") == [])
        #expect(model.notice?.text.hasPrefix("runbook restore has no step 99; its steps are 1–5 or their ids: 1 freeze, 2 stop-writes") == true)
    }

    @Test func declareTakesTags() {
        var model = console()
        #expect(model.submit("/declare L1 Storage offline --tag storage --tag Backup") ==
            [.declare(Declaration(title: "Storage offline", severity: .l1, tags: ["storage", "backup"]), occurredAt: minute(10))])
        #expect(model.submit("/declare L1 Storage offline --tag") == [])
        #expect(model.notice?.text == "--tag needs a word: /declare L1 TITLE --tag storage")
    }

    @Test func theHelpListsTheChecklistKeysAndCommands() {
        let model = console(width: 120, height: 40)
        let help = model.helpLines(width: 100).map { $0.map(\.text).joined() }.joined(separator: "\n")
        #expect(help.contains("Runbook checklist pane"))
        #expect(help.contains("Space"))
        #expect(help.contains("check the selected step: done"))
        #expect(help.contains("/step done|skip|undo RUNBOOK:STEP [REASON]"))
        #expect(help.contains("/runbook ID"))
    }
}
