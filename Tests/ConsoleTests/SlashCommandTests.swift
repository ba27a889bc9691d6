import Testing
import Foundation
import IncidentCore
@testable import Console

/// Submits one line on a fresh demo console (now 14:10, INC-1 investigating) and returns the effects and the message row.
func run(_ line: String, events: [Event] = demoEvents, now: Date = minute(10)) -> (effects: [ConsoleEffect], message: String) {
    var model = console(events, now: now)
    let effects = model.submit(line)
    return (effects, model.notice?.text ?? "")
}

@Suite struct SlashCommandTests {
    @Test(arguments: [
        ("rollback started", IncidentCommand.note("rollback started")),
        ("  padded note  ", .note("padded note")),
        ("/note /etc/hosts edited", .note("/etc/hosts edited")),
        ("//etc/hosts edited", .note("/etc/hosts edited")),
        ("/decision fail over to the replica", .decision("fail over to the replica")),
        ("/action add a canary stage", .actionItem("add a canary stage")),
        ("/sev L1 data at risk", .changeSeverity(to: .l1, reason: "data at risk")),
        ("/sev l3 workaround exists", .changeSeverity(to: .l3, reason: "workaround exists")),
        ("/state identified", .changeState(to: .identified, reason: nil, override: nil)),
        ("/state IDENTIFIED bad config push", .changeState(to: .identified, reason: "bad config push", override: nil)),
        ("/role IC dave", .assignRole(role: Role.commander, holder: "dave")),
        ("/role communications erin", .assignRole(role: Role.communications, holder: "erin")),
        ("/role dba frank", .assignRole(role: "dba", holder: "frank")),
        ("/correct 2 alert fired at 40%", .correct(2, text: "alert fired at 40%")),
        ("/correct #2 alert fired at 40%", .correct(2, text: "alert fired at 40%")),
    ])
    func recordingCommands(line: String, command: IncidentCommand) {
        let result = run(line)
        #expect(result.effects == [.record("INC-1", command, occurredAt: minute(10))])
    }

    /// With command offered to dave, /accept and /decline name the handoff or take the only one waiting.
    @Test(arguments: [
        ("/accept", IncidentCommand.acceptRole(nil)),
        ("/accept IC", .acceptRole("IC")),
        ("/decline commander", .declineRole("commander")),
    ])
    func handoffCommands(line: String, command: IncidentCommand) {
        let offered = demoEvents + [event(7, .handoff(.offered(role: Role.commander, to: "dave", from: "alice")), at: minute(8))]
        #expect(run(line, events: offered).effects == [.record("INC-1", command, occurredAt: minute(10))])
        #expect(run(line).message == "no handoff\(line == "/accept" ? "" : " of incident commander") is waiting on INC-1; "
                + "offer a role with /role ROLE NAME")
    }

    @Test func aPendingHandoffShowsInTheStatusPaneUntilAccepted() {
        let offered = demoEvents + [event(7, .handoff(.offered(role: Role.commander, to: "dave", from: "alice")), at: minute(8))]
        let waiting = console(offered, width: 120, height: 40).lines.joined(separator: "\n")
        #expect(waiting.contains("incident commander   alice → dave? 2m 00s"), "\(waiting)")
        let accepted = console(offered + [event(8, .roleAssigned(role: Role.commander, holder: "dave"), at: minute(9), by: "dave")],
                               width: 120, height: 40).lines.joined(separator: "\n")
        #expect(accepted.contains("incident commander   dave") && !accepted.contains("→ dave?"), "\(accepted)")
    }

    @Test(arguments: [
        ("/sev L1", "a severity change needs a reason"),
        ("/sev L2 still degraded", "INC-1 is already L2"),
        ("/sev L9 worse", "/sev needs a level (L1, L2, L3, L4): /sev L1-L4 REASON"),
        ("/sev", "/sev needs a level (L1, L2, L3, L4): /sev L1-L4 REASON"),
        ("/state resolved", "INC-1 cannot move from investigating to resolved; legal now: identified"),
        ("/state investigating", "INC-1 is already investigating"),
        ("/state fixed", "/state needs a state (declared, investigating, identified, mitigating, monitoring, resolved, closed): /state STATE [REASON] [--override REASON]"),
        ("/state resolved --override", "--override needs a reason: /state resolved --override REASON"),
        ("/decision", "the decision is empty"),
        ("/action   ", "the action item is empty"),
        ("/role ic", "the role holder is empty"),
        ("/role", "/role needs a role and a name: /role ROLE NAME"),
        ("/correct 99 typo", "INC-1 has no entry #99"),
        ("/correct two typo", "/correct needs the entry number: /correct N TEXT"),
        ("/correct 2", "the correction is empty"),
        ("/pager dba", "unknown command /pager; /help lists the commands"),
        ("/", "type a command after /, or /help for the list"),
        ("/declare L2", "the title is empty"),
        ("/declare big outage", "/declare needs a level (L1, L2, L3, L4) and a title: /declare L1-L4 TITLE"),
        ("/incident INC-9", "no incident INC-9 in this workspace (known: INC-1)"),
    ])
    func refusedCommandsRecordNothing(line: String, message: String) {
        let result = run(line)
        #expect(result.effects.isEmpty)
        #expect(result.message == message)
    }

    @Test func errorMessageIsShownWithoutColourToo() {
        var model = console()
        _ = model.submit("/state resolved")
        let buffer = model.render()
        #expect(buffer[0, 22].style.attributes.contains(.bold))
    }

    @Test func resolvingBeforeTheMonitoringPeriodNeedsAnOverride() {
        var events = demoEvents
        events.append(event(7, .stateChanged(from: .investigating, to: .identified, reason: nil, override: nil), at: minute(6)))
        events.append(event(8, .stateChanged(from: .identified, to: .mitigating, reason: nil, override: nil), at: minute(7)))
        events.append(event(9, .stateChanged(from: .mitigating, to: .monitoring, reason: nil, override: nil), at: minute(8)))
        let refused = run("/state resolved", events: events)
        #expect(refused.effects.isEmpty)
        #expect(refused.message.hasPrefix("INC-1 is L2: it must be monitored for 30m 00s before it is resolved;"))
        let overridden = run("/state resolved fix confirmed --override customers confirm recovery", events: events)
        #expect(overridden.effects == [.record("INC-1", .changeState(to: .resolved, reason: "fix confirmed",
                                                                     override: "customers confirm recovery"),
                                               occurredAt: minute(10))])
    }

    @Test(arguments: [
        ("/at 13:55 alert fired", IncidentCommand.note("alert fired"), minute(-5)),
        ("/at 13:55:30 alert fired", .note("alert fired"), minute(-4.5)),
        ("/at 2026-11-23 13:55 alert fired", .note("alert fired"), minute(-5)),
        ("/at 2026-11-23T13:55:00Z alert fired", .note("alert fired"), minute(-5)),
        ("/at 14:04 /decision page the storage team", .decision("page the storage team"), minute(4)),
        ("/at 14:09 /state identified disk firmware", .changeState(to: .identified, reason: "disk firmware", override: nil), minute(9)),
    ])
    func backdatedCommands(line: String, command: IncidentCommand, at time: Date) {
        #expect(run(line).effects == [.record("INC-1", command, occurredAt: time)])
    }

    @Test(arguments: [
        ("/at 25:00 alert", "invalid time '25:00': use HH:MM (today), YYYY-MM-DD HH:MM, or ISO 8601 such as 2026-11-23T14:07:00Z"),
        ("/at 13:55", "/at needs something to record after the time: /at TIME TEXT  or  /at TIME /COMMAND …"),
        ("/at", "/at needs a time and what happened: /at TIME TEXT  or  /at TIME /COMMAND …"),
        ("/at 13:55 /help", "/at only applies to commands that record something"),
        ("/at 13:55 /at 13:50 twice", "/at takes one time; remove the second /at"),
        ("/at 13:30 /state identified", "that time is 32m 00s before the incident's last state or severity change; changes must be recorded in order"),
        ("/at 2026-11-23T14:30:00Z early", "that time is 20m 00s in the future"),
    ])
    func refusedBackdating(line: String, message: String) {
        let result = run(line)
        #expect(result.effects.isEmpty)
        #expect(result.message == message)
    }

    @Test func backdatedNoteRoundTripsIntoPlace() {
        var model = console()
        let effects = model.submit("/at 13:58 customer ticket from Acme")
        #expect(effects == [.record("INC-1", .note("customer ticket from Acme"), occurredAt: minute(-2))])
        #expect(!timelineRows(model).contains { $0.contains("Acme") })
        _ = model.update(.appended([event(7, .note("customer ticket from Acme"), at: minute(-2), recorded: minute(10), by: "carol")]))
        #expect(timelineRows(model)[1] == "#7 13:58:00* note     carol customer ticket from Acme")
    }

    @Test func declareProducesADeclarationAndShowsItWhenStored() {
        var model = console()
        let effects = model.submit("/declare L1 Storage tier lost")
        #expect(effects == [.declare(Declaration(title: "Storage tier lost", severity: .l1), occurredAt: minute(10))])
        #expect(model.selectedIncident == "INC-1")
        _ = model.update(.appended([declared("INC-2", id: 7, severity: .l1, title: "Storage tier lost", impact: nil,
                                             at: minute(10), by: "carol")]))
        #expect(model.selectedIncident == "INC-2")
        #expect(model.lines[0].hasPrefix("INC-2 Storage tier lost "))
    }

    @Test func backdatedDeclaration() {
        #expect(run("/at 13:50 /declare L3 Search slow", events: []).effects
                == [.declare(Declaration(title: "Search slow", severity: .l3), occurredAt: minute(-10))])
    }

    @Test func withoutAnIncidentOnlyDeclaringWorks() {
        let note = run("hello", events: [])
        #expect(note.effects.isEmpty)
        #expect(note.message == "no incident to record on: declare one with /declare L2 Title")
        #expect(run("/declare L2 Checkout down", events: []).effects
                == [.declare(Declaration(title: "Checkout down", severity: .l2), occurredAt: minute(10))])
    }

    @Test func longRefusalWrapsAboveTheMessageLine() {
        var model = console()
        _ = model.submit("/state fixed")
        let lines = model.lines
        #expect(lines[20].hasPrefix("│ "))
        #expect(lines[21] == "/state needs a state (declared, investigating, identified, mitigating,")
        #expect(lines[22] == "monitoring, resolved, closed): /state STATE [REASON] [--override REASON]")
        #expect(lines[23] == "> /state fixed")
    }

    @Test func storeRefusalIsShown() {
        var model = console()
        _ = model.submit("/state identified")
        _ = model.update(.recordFailed("INC-1 is already identified"))
        #expect(model.lines[22] == "INC-1 is already identified")
    }

    @Test func incidentSwitchesDirectly() {
        var events = demoEvents
        events.append(declared("INC-2", id: 7, title: "Search slow", at: minute(8), by: "dave"))
        var model = console(events, preferred: "INC-1")
        #expect(model.submit("/incident 2").isEmpty)
        #expect(model.selectedIncident == "INC-2")
        #expect(model.lines[0].hasPrefix("INC-2 Search slow "))
        #expect(model.submit("/incident").isEmpty)
        #expect(model.isPickerOpen)
    }

    @Test func recordedCommandsAreCheckedAgainstTheShownIncident() {
        var events = demoEvents
        events.append(declared("INC-2", id: 7, title: "Search slow", at: minute(8), by: "dave"))
        var model = console(events, preferred: "INC-2")
        #expect(model.submit("/state investigating") == [
            .record("INC-2", .changeState(to: .investigating, reason: nil, override: nil), occurredAt: minute(10)),
        ])
    }
}
