import Testing
import Foundation
import IncidentCore
@testable import Console

/// Two active incidents: INC-1 (the demo) and INC-2, declared later.
let twoActive = demoEvents + [declared("INC-2", id: 7, severity: .l3, title: "Search slow", impact: nil, at: minute(8), by: "dave")]

@Suite struct NavigationTests {
    @Test func tabCyclesPanesAndTheCommandLine() {
        var model = console()
        var seen: [ConsoleFocus] = []
        for _ in 0..<5 {
            model.press(.tab)
            seen.append(model.focus)
        }
        #expect(seen == [.status, .checklist, .contacts, .timeline, .commandLine])
        model.press(.backTab)
        #expect(model.focus == .timeline)
        model.press(.backTab, .backTab)
        #expect(model.focus == .checklist)
    }

    @Test func escapeReturnsToTheLastPane() {
        var model = console()
        model.press(.tab, .tab, .char(":"))
        #expect(model.focus == .commandLine)
        model.press(.escape)
        #expect(model.focus == .checklist)
    }

    @Test func slashOpensTheCommandLineWithASlash() {
        var model = console()
        model.press(.escape, .char("/"))
        #expect(model.focus == .commandLine)
        #expect(model.editor.text == "/")
        model.type("decision roll back")
        #expect(model.press(.enter) == [.record("INC-1", .decision("roll back"), occurredAt: minute(10))])
    }

    @Test func correctingTheSelectedEntry() {
        var model = console()
        model.press(.escape, .char("k"), .char("c"))
        #expect(model.focus == .commandLine)
        #expect(model.editor.text == "/correct 4 ")
        #expect(model.submit("scribe is bob, deputy pending") == [
            .record("INC-1", .correct(4, text: "scribe is bob, deputy pending"), occurredAt: minute(10)),
        ])
    }

    @Test func cOnlyCorrectsFromTheTimeline() {
        var model = console()
        model.press(.tab, .char("c"))
        #expect(model.focus == .status)
        #expect(model.editor.text == "")
    }

    @Test func quitAsksFirstWhileTheIncidentIsActive() {
        var model = console()
        model.press(.escape)
        #expect(model.press(.char("q")).isEmpty)
        let buffer = model.render()
        #expect(buffer.lines[22] == "Quit while INC-1 is active? y/n")
        #expect(buffer[0, 22].style.attributes.isSuperset(of: [.reverse, .bold]))
        #expect(model.press(.char("x")).isEmpty)
        #expect(model.press(.char("n")).isEmpty)
        #expect(model.lines[22].hasPrefix("? help"))
        #expect(model.press(.char("q"), .char("y")) == [.quit])
    }

    @Test func quitCommandAndCtrlCAskToo() {
        var model = console()
        #expect(model.submit("/quit").isEmpty)
        #expect(model.lines[22] == "Quit while INC-1 is active? y/n")
        #expect(model.press(.escape).isEmpty)
        #expect(model.press(.ctrl("c")).isEmpty)
        #expect(model.press(.char("Y")) == [.quit])
    }

    @Test func quitWithoutAnActiveIncidentIsImmediate() {
        var model = console([])
        #expect(model.press(.escape, .char("q")) == [.quit])
        var resolved = demoEvents
        resolved.append(event(7, .stateChanged(from: .investigating, to: .resolved, reason: nil, override: nil), at: minute(9)))
        model = console(resolved)
        #expect(model.submit("/quit") == [.quit])
    }

    @Test func pickerOpensByItselfWhenSeveralIncidentsAreActive() {
        var model = console(twoActive)
        #expect(model.isPickerOpen)
        let lines = model.lines
        // The picker sits over the panes, centred.
        #expect(lines[10].dropFirst(4).hasPrefix("┌ Incidents: Enter shows, Esc closes ──"))
        #expect(lines[10].dropFirst(4).hasSuffix("┐   │"))
        #expect(lines[11].dropFirst(4).hasPrefix("│INC-2  L3  declared       Search slow "))
        #expect(lines[12].dropFirst(4).hasPrefix("│INC-1  L2  investigating  Checkout down "))
        #expect(lines[13].dropFirst(4).hasPrefix("└──"))
        #expect(model.cursor == nil)
        model.press(.down, .enter)
        #expect(!model.isPickerOpen)
        #expect(model.selectedIncident == "INC-1")
        #expect(model.focus == .commandLine)
    }

    @Test func preferredIncidentSkipsThePicker() {
        let model = console(twoActive, preferred: "INC-1")
        #expect(!model.isPickerOpen)
        #expect(model.selectedIncident == "INC-1")
    }

    @Test func preferredIncidentMayBeANumber() {
        #expect(console(twoActive, preferred: "1").selectedIncident == "INC-1")
    }

    @Test func unknownPreferredIncidentIsReportedAndThePickerOffered() {
        let model = console(twoActive, preferred: "INC-9")
        #expect(model.isPickerOpen)
        #expect(model.notice?.text == "no incident INC-9 in this workspace (known: INC-1, INC-2)")
    }

    @Test func aReloadKeepsTheChosenIncident() {
        var model = console(twoActive)
        model.press(.down, .enter)
        _ = model.update(.loaded(twoActive))
        #expect(model.selectedIncident == "INC-1")
        #expect(!model.isPickerOpen)
    }

    @Test func pickerHighlightIsReversedAndEscapeKeepsTheIncident() {
        var model = console(twoActive, preferred: "INC-1")
        model.press(.escape, .char("i"))
        #expect(model.isPickerOpen)
        let buffer = model.render()
        #expect(buffer[5, 12].style.attributes.contains(.reverse))
        #expect(!buffer[5, 11].style.attributes.contains(.reverse))
        model.press(.up, .escape)
        #expect(!model.isPickerOpen)
        #expect(model.selectedIncident == "INC-1")
    }

    @Test func resolvedIncidentsAreListedAfterActiveOnes() {
        var events = twoActive
        events.append(event(8, .stateChanged(from: .investigating, to: .resolved, reason: nil, override: nil), at: minute(9)))
        var model = console(events)
        #expect(!model.isPickerOpen)
        #expect(model.selectedIncident == "INC-2")
        model.press(.escape, .char("i"))
        let lines = model.lines
        #expect(lines[11].dropFirst(4).hasPrefix("│INC-2  L3  declared       Search slow "))
        #expect(lines[12].dropFirst(4).hasPrefix("│INC-1  L2  resolved       Checkout down "))
    }

    @Test func helpOverlayListsEveryBindingAndEveryCommand() {
        var model = console(width: 120, height: 160)
        model.press(.escape, .char("?"))
        let text = model.lines.joined(separator: "\n")
        for binding in KeyTable.bindings {
            let keys = binding.keys.map(\.label).joined(separator: ", ")
            #expect(model.lines.contains { $0.contains(keys) && $0.contains(binding.help) }, "\(keys): \(binding.help)")
        }
        for scope in KeyScope.allCases { #expect(text.contains(scope.rawValue)) }
        for command in SlashCommand.allCases {
            #expect(model.lines.contains { $0.contains(command.usage) }, "\(command.usage)")
        }
        #expect(text.contains("backdated"))
        model.press(.escape)
        #expect(!model.lines.joined().contains("Help: keys"))
    }

    @Test func helpScrollsAt80x24AndReachesTheLastCommand() {
        var model = console()
        model.press(.function(1))
        var seen = Set(model.lines)
        for _ in 0..<40 {
            model.press(.pageDown)
            seen.formUnion(model.lines)
        }
        #expect(seen.contains { $0.contains("/quit") })
        #expect(seen.contains { $0.contains("close the picker") })
        model.press(.char("q"))
        #expect(model.lines[1].hasPrefix("┌ Status"))
    }

    @Test func keysDispatchThroughTheTable() {
        #expect(KeyTable.action(for: .char("q"), in: [.panes]) == .quit)
        #expect(KeyTable.action(for: .char("q"), in: [.commandLine, .everywhere]) == nil)
        #expect(KeyTable.action(for: .ctrl("A"), in: [.commandLine]) == .lineStart)
        #expect(KeyTable.action(for: .up, in: [.commandLine, .everywhere]) == .historyPrevious)
        #expect(KeyTable.action(for: .up, in: [.timeline, .panes, .everywhere]) == .moveUp)
    }

    @Test func pageKeysScrollTheTimelineWhileTyping() {
        var model = console(notes(30), now: minute(31))
        model.type("half a note")
        model.press(.pageUp)
        #expect(timelineRows(model).last == "#21 14:20:00  note     alice note 20")
        #expect(model.editor.text == "half a note")
        #expect(model.focus == .commandLine)
    }
}
