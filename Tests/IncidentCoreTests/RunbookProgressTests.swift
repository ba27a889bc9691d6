import Foundation
import IncidentCore
import Testing

// Runbooks in incidents: which runbooks attach, step changes legal and illegal, and the checklist's clocks.

/// A tagged storage plan: two phases, timeboxes 5m, 10m and 15m.
let storagePlan = Runbook(
    id: "restore", title: "Storage lost — restore", severities: [.l1, .l2], tags: ["storage"],
    phases: [
        Runbook.Phase(title: "Stabilise", line: 8, steps: [
            Runbook.Step(id: "freeze", number: 1, text: "Freeze the ops tools", owner: "storage", timeboxSeconds: 300,
                         command: "systemctl stop ops.timer", commandLanguage: "sh", expect: "inactive", line: 9),
            Runbook.Step(id: "stop-writes", number: 2, text: "Stop writes", owner: "sre", timeboxSeconds: 600, line: 12),
        ]),
        Runbook.Phase(title: "Restore", line: 14, steps: [
            Runbook.Step(id: "start", number: 3, text: "Start the restore", owner: "dba", timeboxSeconds: 900, line: 15),
        ]),
    ])

/// Untagged: fits every L1 and L2 incident.
let majorPlan = Runbook(
    id: "major", title: "Major incident", severities: [.l1, .l2],
    phases: [Runbook.Phase(title: "Command", line: 6, steps: [
        Runbook.Step(id: "take-command", number: 1, text: "Take command", owner: "ic", timeboxSeconds: 120, line: 7),
    ])])

let networkPlan = Runbook(
    id: "network", title: "Network change", severities: [.l1], tags: ["network"],
    phases: [Runbook.Phase(title: "Freeze", line: 6, steps: [Runbook.Step(id: "freeze", number: 1, text: "Freeze", line: 7)])])

let minorPlan = Runbook(
    id: "minor", title: "Minor", severities: [.l3, .l4],
    phases: [Runbook.Phase(title: "Look", line: 6, steps: [Runbook.Step(id: "look", number: 1, text: "Look", line: 7)])])

let catalog = [storagePlan, majorPlan, networkPlan, minorPlan]

/// An incident declared at `base` with tags, its matching runbooks from `catalog` attached as a declaration attaches them.
func taggedIncident(_ severity: Severity, tags: [String] = [], runbooks: [Runbook] = catalog) -> IncidentState {
    var state = IncidentState(declaration: Event(
        id: 1, incident: "INC-1", occurredAt: base, recordedAt: base, actor: "alice",
        payload: .declared(Declaration(title: "Storage offline", severity: severity, tags: tags))))!
    for draft in state.attachDrafts(from: runbooks, at: base, recordedAt: base, actor: "alice") {
        state.apply(draft.event(id: state.lastEventID + 1, incident: state.id))
    }
    return state
}

extension IncidentState {
    /// The ids of the attached runbooks, in attach order.
    var attachedIDs: [String] { runbooks.attached.map(\.runbook.id) }

    /// Records every draft of a command, the way the store's transaction does.
    mutating func recordAll(_ command: IncidentCommand, at date: Date, runbooks: [Runbook] = catalog) throws(RuleError) -> [Event] {
        let drafts = try drafts(for: command, at: date, now: date, actor: "bob", runbooks: runbooks)
        return drafts.map { draft in
            let event = draft.event(id: lastEventID + 1, incident: id)
            apply(event)
            return event
        }
    }

    func step(_ qualified: String, now: Date) -> ChecklistStep? {
        checklists(now: now).flatMap(\.steps).first { $0.qualifiedID == qualified }
    }
}

@Suite("runbooks: which attach")
struct AttachRuleTests {
    @Test func severityMatchAttachesUntaggedRunbooksOfThatLevel() {
        #expect(taggedIncident(.l2).attachedIDs == ["major"])
        #expect(taggedIncident(.l3).attachedIDs == ["minor"])
        #expect(taggedIncident(.l1).attachedIDs == ["major"])
    }

    @Test func tagMatchAddsTaggedRunbooksOnlyWhenATagIsShared() {
        #expect(taggedIncident(.l2, tags: ["storage"]).attachedIDs == ["restore", "major"])
        #expect(taggedIncident(.l1, tags: ["network", "storage"]).attachedIDs == ["restore", "major", "network"])
        // A shared tag does not override the severity: the network plan is for L1 only.
        #expect(taggedIncident(.l2, tags: ["network"]).attachedIDs == ["major"])
        #expect(taggedIncident(.l2, tags: ["database"]).attachedIDs == ["major"])
    }

    @Test func theAttachRecordsWhyItMatched() throws {
        let state = taggedIncident(.l2, tags: ["storage", "backup"])
        #expect(state.runbooks.runbook("restore")?.trigger == .matched(.l2, tags: ["storage"]))
        #expect(state.runbooks.runbook("major")?.trigger == .matched(.l2, tags: []))
        #expect(state.runbooks.runbook("major")?.attachedAt == base)
        #expect(state.runbooks.runbook("major")?.attachedBy == "alice")
    }

    @Test func nothingIsAttachedTwice() throws {
        var state = taggedIncident(.l2, tags: ["storage"])
        #expect(state.runbooksToAttach(from: catalog) == [])
        // A catalog listing the same id twice attaches it once.
        var fresh = taggedIncident(.l2, runbooks: [])
        #expect(fresh.runbooksToAttach(from: [majorPlan, majorPlan]).map(\.id) == ["major"])
        // Moving L2 → L1 attaches only what is new at L1.
        let events = try state.recordAll(.changeSeverity(to: .l1, reason: "data at risk"), at: minute(5))
        #expect(events.count == 1)
        // By hand, too, an attached runbook is refused, naming when it was attached.
        #expect(throws: RuleError.runbook(.alreadyAttached("INC-1", runbook: "major", since: base))) {
            try state.decide(.runbook(.attach(majorPlan)), at: minute(6), now: minute(6))
        }
        #expect(RuleError.runbook(.alreadyAttached("INC-1", runbook: "major", since: base)).description
            == "runbook major is already attached to INC-1 (since 2026-11-23 14:00 UTC)")
        _ = try fresh.recordAll(.runbook(.attach(majorPlan)), at: minute(1))
        #expect(fresh.attachedIDs == ["major"])
    }

    @Test func anUpgradeAttachesWhatTheNewLevelCalls() throws {
        var state = taggedIncident(.l3, tags: ["network"])
        #expect(state.attachedIDs == ["minor"])
        let events = try state.recordAll(.changeSeverity(to: .l1, reason: "all regions down"), at: minute(10))
        #expect(events.map(\.payload.kind) == [.severity, .runbook, .runbook])
        #expect(events.allSatisfy { $0.occurredAt == minute(10) && $0.actor == "bob" })
        #expect(state.attachedIDs == ["minor", "major", "network"])
        #expect(state.runbooks.runbook("network")?.trigger == .matched(.l1, tags: ["network"]))
        // Back down: the L3 plan is already attached, and nothing is ever detached.
        let down = try state.recordAll(.changeSeverity(to: .l3, reason: "contained"), at: minute(20))
        #expect(down.map(\.payload.kind) == [.severity])
        #expect(state.attachedIDs == ["minor", "major", "network"])
    }

    @Test func otherCommandsAttachNothing() throws {
        var state = taggedIncident(.l3, tags: ["storage"], runbooks: [])
        let events = try state.recordAll(.note("the L1 plans must not come with a note"), at: minute(1))
        #expect(events.count == 1)
        #expect(state.attachedIDs == [])
    }

    @Test func aRefusedSeverityChangeAttachesNothing() {
        var state = taggedIncident(.l3, runbooks: [])
        #expect(throws: RuleError.sameSeverity("INC-1", .l3)) {
            try state.recordAll(.changeSeverity(to: .l3, reason: "same"), at: minute(1))
        }
        #expect(state.attachedIDs == [])
    }

    @Test func manualAttachTakesAnyRunbookWhateverItsLevel() throws {
        var state = taggedIncident(.l1)
        let payload = try state.decide(.runbook(.attach(minorPlan)), at: minute(3), now: minute(3))
        #expect(payload == .runbook(.attached(minorPlan, trigger: .manual)))
        _ = try state.recordAll(.runbook(.attach(minorPlan)), at: minute(3))
        #expect(state.runbooks.runbook("minor")?.trigger == .manual)
        #expect(state.runbooks.runbook("minor")?.attachedAt == minute(3))
        #expect(payload.summary == "attached minor: Minor (1 step; attached by hand)")
    }

    @Test func theIncidentKeepsTheSnapshotItAttached() throws {
        var state = taggedIncident(.l2, tags: ["storage"])
        // The file changes afterwards: the step is reworded and renumbered.
        var edited = storagePlan
        edited.phases[0].steps[0].text = "Freeze everything"
        edited.phases[0].steps.insert(Runbook.Step(id: "new", number: 1, text: "New first step", line: 9), at: 0)
        #expect(state.runbooksToAttach(from: [edited]) == [])
        #expect(state.runbooks.runbook("restore")?.runbook == storagePlan)
        let done = try state.recordAll(.runbook(.check("restore:1")), at: minute(2))
        #expect(done[0].payload == .runbook(.step(StepEvent(runbook: "restore", step: "freeze", number: 1,
                                                              text: "Freeze the ops tools", action: .done))))
        // And it survives the store: the snapshot is in the attach entry.
        let attach = EventPayload.runbook(.attached(storagePlan, trigger: .matched(.l2, tags: ["storage"])))
        #expect(try EventPayload(columns: attach.columns) == attach)
    }

    @Test func declarationTagsAreWordsStoredLowercaseOnce() throws {
        let d = try Declaration(title: "x", severity: .l1, tags: [" Storage", "storage", "BACKUP", "load-balancer"])
            .validated(at: base, now: base)
        #expect(d.tags == ["storage", "backup", "load-balancer"])
        #expect(throws: RuleError.runbook(.badTag("two words"))) {
            try Declaration(title: "x", severity: .l1, tags: ["two words"]).validated(at: base, now: base)
        }
        #expect(throws: RuleError.runbook(.badTag(""))) {
            try Declaration(title: "x", severity: .l1, tags: [""]).validated(at: base, now: base)
        }
        let payload = EventPayload.declared(d)
        #expect(try EventPayload(columns: payload.columns) == payload)
        #expect(payload.summary == "declared L1: x — tags: storage, backup, load-balancer")
    }
}

@Suite("runbooks: step changes")
struct StepRuleTests {
    @Test func checkSkipAndUndoAreTimelineEntriesWithActorAndTime() throws {
        var state = taggedIncident(.l2, tags: ["storage"])
        let done = try state.recordAll(.runbook(.check("restore:freeze")), at: minute(3))[0]
        #expect(done.actor == "bob" && done.occurredAt == minute(3) && done.payload.kind == .step)
        #expect(done.payload.summary == "done #1 Freeze the ops tools (restore)")
        #expect(state.runbooks.runbook("restore")?.closed["freeze"] ==
            StepClosure(action: .done, at: minute(3), by: "bob", reason: nil, eventID: done.id))

        let skipped = try state.recordAll(.runbook(.skip("restore:2", reason: "  writes already stopped by the bug ")), at: minute(4))[0]
        #expect(skipped.payload == .runbook(.step(StepEvent(
            runbook: "restore", step: "stop-writes", number: 2, text: "Stop writes", action: .skipped,
            reason: "writes already stopped by the bug"))))
        #expect(skipped.payload.summary == "skipped #2 Stop writes (restore) — reason: writes already stopped by the bug")

        let undone = try state.recordAll(.runbook(.undo("restore:freeze", reason: "the timer restarted it")), at: minute(6))[0]
        #expect(undone.payload == .runbook(.step(StepEvent(
            runbook: "restore", step: "freeze", number: 1, text: "Freeze the ops tools", action: .undone,
            reason: "the timer restarted it", reverts: done.id))))
        #expect(undone.payload.summary == "reopened #1 Freeze the ops tools (restore; takes back #\(done.id)) — reason: the timer restarted it")
        #expect(state.runbooks.runbook("restore")?.closed["freeze"] == nil)
        // Reopened, it can be checked again; an undone skip works the same way.
        _ = try state.recordAll(.runbook(.check("restore:freeze")), at: minute(7))
        _ = try state.recordAll(.runbook(.undo("restore:stop-writes", reason: nil)), at: minute(8))
        #expect(state.step("restore:freeze", now: minute(9))?.status == .done)
        #expect(state.step("restore:stop-writes", now: minute(9))?.status == .inProgress)
    }

    @Test func illegalChangesAreRefusedWithWhatIsLegal() throws {
        var state = taggedIncident(.l2, tags: ["storage"])
        _ = try state.recordAll(.runbook(.check("restore:freeze")), at: minute(3))
        let before = state
        func refused(_ action: RunbookAction) -> String? {
            do throws(RuleError) {
                _ = try state.decide(.runbook(action), at: minute(5), now: minute(5))
                return nil
            } catch {
                return error.description
            }
        }
        #expect(refused(.check("restore:freeze")) == "step restore:freeze is already done (2026-11-23 14:03 UTC by bob); undo it first to change it")
        #expect(refused(.skip("restore:freeze", reason: "x")) == "step restore:freeze is already done (2026-11-23 14:03 UTC by bob); undo it first to change it")
        #expect(refused(.skip("restore:stop-writes", reason: "  ")) == "skipping a step needs a reason")
        #expect(refused(.undo("restore:stop-writes", reason: nil)) == "step restore:stop-writes is neither done nor skipped; there is nothing to undo")
        #expect(refused(.check("nope:1")) == "no runbook nope is attached to INC-1; attached: restore, major")
        #expect(refused(.check("restore:9")) == "runbook restore has no step 9; its steps are 1–3 or their ids: 1 freeze, 2 stop-writes, 3 start")
        #expect(refused(.check("freeze")) == "several runbooks are attached; name one as RUNBOOK:freeze (attached: restore, major)")
        #expect(refused(.check(" ")) == "name a step as RUNBOOK:STEP (STEP is the step's id or number)")
        #expect(state == before)

        var bare = taggedIncident(.l4, runbooks: [])
        #expect(throws: RuleError.runbook(.noneAttached("INC-1"))) { try bare.recordAll(.runbook(.check("1")), at: minute(1)) }
        #expect(RuleError.runbook(.noneAttached("INC-1")).description
            == "INC-1 has no runbook attached; attach one first (warroom runbook attach ID, or /runbook ID)")
    }

    @Test func aStepIsNamedByIDOrNumberAndTheRunbookMayBeLeftOutWhenAlone() throws {
        var state = taggedIncident(.l2, tags: ["storage"], runbooks: [storagePlan])
        _ = try state.recordAll(.runbook(.check("2")), at: minute(1))
        _ = try state.recordAll(.runbook(.check("#3")), at: minute(2))
        _ = try state.recordAll(.runbook(.check("RESTORE:Freeze")), at: minute(3))
        #expect(state.checklists(now: minute(4))[0].doneCount == 3)
        #expect(state.nextSteps(now: minute(4)) == [])
    }

    @Test func aClosedIncidentTakesNoStepChanges() throws {
        var state = taggedIncident(.l2, tags: ["storage"])
        state.force(.stateChanged(from: .declared, to: .closed, reason: nil, override: nil), at: minute(9))
        #expect(throws: RuleError.incidentClosed("INC-1")) { try state.decide(.runbook(.check("restore:1")), at: minute(10), now: minute(10)) }
    }

    @Test func stepEventsSurviveTheStore() throws {
        let payloads: [EventPayload] = [
            .runbook(.step(StepEvent(runbook: "r", step: "s", number: 3, text: "Do it", action: .done))),
            .runbook(.step(StepEvent(runbook: "r", step: "s", number: 3, text: "Do it", action: .skipped, reason: "no"))),
            .runbook(.step(StepEvent(runbook: "r", step: "s", number: 3, text: "Do it", action: .undone, reverts: 12))),
            .runbook(.attached(majorPlan, trigger: .manual)),
        ]
        for payload in payloads { #expect(try EventPayload(columns: payload.columns) == payload) }
        let columns = payloads[1].columns
        #expect(columns.kind == "step" && columns.value == "skipped" && columns.text == "Do it" && columns.reason == "no")
        var damaged = columns
        damaged.extra = "{}"
        #expect(throws: EventDecodingError.self) { try EventPayload(columns: damaged) }
    }
}

@Suite("runbooks: the checklist's clocks")
struct ChecklistClockTests {
    /// Only the storage plan, attached at `base`.
    func plan() -> IncidentState { taggedIncident(.l2, tags: ["storage"], runbooks: [storagePlan]) }

    @Test func theFirstPhaseRunsFromTheAttach() {
        let state = plan()
        let steps = state.checklists(now: minute(3))[0].steps
        #expect(steps.map(\.status) == [.inProgress, .todo, .todo])
        #expect(steps.map(\.elapsed) == [180, 180, nil])
        #expect(steps.map(\.isOverTimebox) == [false, false, false])
        let later = state.checklists(now: minute(6))[0].steps
        #expect(later.map(\.isOverTimebox) == [true, false, false])
        #expect(state.checklists(now: minute(3))[0].phases.map(\.activeSince) == [base, nil])
    }

    @Test func aLaterPhaseRunsFromTheCheckThatClosedThePhaseBeforeIt() throws {
        var state = plan()
        _ = try state.recordAll(.runbook(.check("freeze")), at: minute(4))
        var steps = state.checklists(now: minute(12))[0].steps
        #expect(steps[0].elapsed == 240 && !steps[0].isOverTimebox)
        #expect(steps[1].status == .inProgress && steps[1].elapsed == 720 && steps[1].isOverTimebox)
        _ = try state.recordAll(.runbook(.skip("stop-writes", reason: "no writes")), at: minute(12))
        steps = state.checklists(now: minute(20))[0].steps
        #expect(steps[1].status == .skipped)
        #expect(steps[2].status == .inProgress && steps[2].elapsed == 480 && !steps[2].isOverTimebox)
        #expect(state.checklists(now: minute(20))[0].phases[1].activeSince == minute(12))
        #expect(state.nextSteps(now: minute(20)).map(\.qualifiedID) == ["restore:start"])
        // Undoing a step of the first phase stops the second phase's clock again.
        _ = try state.recordAll(.runbook(.undo("freeze", reason: nil)), at: minute(21))
        steps = state.checklists(now: minute(22))[0].steps
        #expect(steps[0].status == .inProgress && steps[0].elapsed == 22 * 60)
        #expect(steps[2].status == .todo && steps[2].elapsed == nil)
    }

    @Test func aStepClosedAheadOfItsPhaseIsTimedFromTheLastEarlierCheck() throws {
        var state = plan()
        _ = try state.recordAll(.runbook(.check("freeze")), at: minute(2))
        _ = try state.recordAll(.runbook(.check("start")), at: minute(9))
        let steps = state.checklists(now: minute(10))[0].steps
        #expect(steps[2].status == .done && steps[2].elapsed == 7 * 60)
        #expect(steps[1].status == .inProgress)
    }

    @Test func aCheckBackdatedBeforeTheAttachTookNoTime() throws {
        var state = plan()
        let events = try state.drafts(for: .runbook(.check("freeze")), at: minute(-3), now: minute(1), actor: "bob")
        state.apply(events[0].event(id: state.lastEventID + 1, incident: state.id))
        let step = try #require(state.step("restore:freeze", now: minute(2)))
        #expect(step.elapsed == 0 && step.closure?.at == minute(-3))
    }

    @Test func clocksStopWhenTheIncidentIsResolved() throws {
        var state = plan()
        state.force(.stateChanged(from: .declared, to: .resolved, reason: nil, override: nil), at: minute(30))
        let elapsed = try #require(state.step("restore:freeze", now: minute(90))?.elapsed)
        #expect(elapsed == 1800, "\(elapsed - 1800)")
    }

    @Test func aStepWithoutATimeboxIsNeverOver() throws {
        let state = taggedIncident(.l1, tags: ["network"], runbooks: [networkPlan])
        let step = try #require(state.step("network:freeze", now: minute(600)))
        #expect(step.elapsed == 600 * 60 && !step.isOverTimebox && step.status == .inProgress)
    }
}

@Suite("runbooks: compact durations")
struct CompactDurationTests {
    @Test(arguments: [(0.0, "0s"), (59.9, "59s"), (60, "1m"), (3599, "59m"), (3600, "1h"), (3900, "1h05m"), (5400, "1h30m"),
                      (-5, "0s"), (90_000, "25h")])
    func compact(seconds: Double, text: String) {
        #expect(DurationText.compact(seconds) == text)
    }
}
