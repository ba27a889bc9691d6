import Testing
import Foundation
import IncidentCore
@testable import Console

@Suite struct LayoutTests {
    @Test func layoutAt80x24() throws {
        let layout = try #require(ConsoleLayout(width: 80, height: 24))
        #expect(layout.header == Rect(x: 0, y: 0, width: 80, height: 1))
        #expect(layout.status == Rect(x: 0, y: 1, width: 32, height: 8))
        #expect(layout.checklist == Rect(x: 32, y: 1, width: 24, height: 8))
        #expect(layout.contacts == Rect(x: 56, y: 1, width: 24, height: 8))
        #expect(layout.timeline == Rect(x: 0, y: 9, width: 80, height: 13))
        #expect(layout.message == Rect(x: 0, y: 22, width: 80, height: 1))
        #expect(layout.command == Rect(x: 0, y: 23, width: 80, height: 1))
    }

    @Test func biggerTerminalGetsBiggerPanes() throws {
        let small = try #require(ConsoleLayout(width: 80, height: 24))
        let large = try #require(ConsoleLayout(width: 160, height: 48))
        #expect(large.status == Rect(x: 0, y: 1, width: 64, height: 18))
        #expect(large.checklist == Rect(x: 64, y: 1, width: 48, height: 18))
        #expect(large.contacts == Rect(x: 112, y: 1, width: 48, height: 18))
        #expect(large.timeline == Rect(x: 0, y: 19, width: 160, height: 27))
        for (a, b) in [(small.status, large.status), (small.checklist, large.checklist),
                       (small.contacts, large.contacts), (small.timeline, large.timeline)] {
            #expect(b.width > a.width && b.height > a.height)
        }
    }

    @Test(arguments: [(80, 24), (81, 25), (120, 40), (160, 48), (300, 100)])
    func panesTileTheScreenWithoutOverlap(width: Int, height: Int) throws {
        let layout = try #require(ConsoleLayout(width: width, height: height))
        let rects = [layout.header, layout.status, layout.checklist, layout.contacts, layout.timeline, layout.message, layout.command]
        var covered = Array(repeating: 0, count: width * height)
        for r in rects {
            for y in r.y..<r.maxY { for x in r.x..<r.maxX { covered[y * width + x] += 1 } }
        }
        #expect(covered.allSatisfy { $0 == 1 })
    }

    @Test(arguments: [(79, 24), (80, 23), (70, 20), (0, 0)])
    func belowMinimumThereIsNoLayout(width: Int, height: Int) {
        #expect(ConsoleLayout(width: width, height: height) == nil)
    }

    @Test func tooSmallShowsOnlyAPlainMessage() {
        let model = console(width: 70, height: 20)
        let lines = model.lines
        #expect(lines[0] == "Terminal too small: 70×20 — Warroom needs at least 80×24")
        #expect(lines.dropFirst().allSatisfy { $0.isEmpty })
        #expect(model.cursor == nil)
    }

    @Test func tooSmallMessageWrapsOnANarrowTerminal() {
        let lines = console(width: 30, height: 5).lines
        #expect(lines == ["Terminal too small: 30×5 —", "Warroom needs at least 80×24", "", "", ""])
    }

    @Test func resizeRedrawsAtTheNewSize() {
        var model = console(width: 70, height: 20)
        _ = model.update(.resize(width: 100, height: 30))
        let buffer = model.render()
        #expect(buffer.width == 100 && buffer.height == 30)
        #expect(buffer.lines[0].hasPrefix("INC-1 Checkout down"))
        _ = model.update(.resize(width: 79, height: 30))
        #expect(model.lines[0] == "Terminal too small: 79×30 — Warroom needs at least 80×24")
    }
}

@Suite struct PaneTests {
    @Test func everyPaneAt80x24() {
        let buffer = console().render()
        let lines = buffer.lines
        #expect(lines == [
            "INC-1 Checkout down         L2  investigating  elapsed 10m 00s  next update 5:00",
            "┌ Status ──────────────────────┐┌ Runbook ─────────────┐┌ Contacts ────────────┐",
            "│Impact  EU checkout returns   ││No runbook attached.  ││No contacts loaded.   │",
            "│        5xx                   ││                      ││                      │",
            "│investigating since 14:02     ││                      ││                      │",
            "│Latest  14:05 decision: roll  ││                      ││                      │",
            "│        back deploy 4411      ││                      ││                      │",
            "│Roles                         ││                      ││                      │",
            "└────────────────────── ↓ more ┘└──────────────────────┘└──────────────────────┘",
            "┌ Timeline ────────────────────────────────────────────────────────────────────┐",
            "│#6 13:53:00* note     bob   first customer ticket                             │",
            "│#1 14:00:00  declared alice declared L2: Checkout down — impact: EU checkout …│",
            "│#2 14:01:00  note     bob   alert fired: 5xx above 30%                        │",
            "│#3 14:02:00  state    alice declared → investigating                          │",
            "│#4 14:03:00  role     alice bob is scribe                                     │",
            "│#5 14:05:00  decision alice roll back deploy 4411                             │",
            "│                                                                              │",
            "│                                                                              │",
            "│                                                                              │",
            "│                                                                              │",
            "│                                                                              │",
            "└──────────────────────────────────────────────────────────────────────────────┘",
            "Enter records a note · /help lists commands · Esc or Tab to the panes · F1 help",
            ">",
        ])
    }

    @Test func everyPaneAt160x48() {
        let buffer = console(width: 160, height: 48).render()
        let lines = buffer.lines
        #expect(lines[0] == "INC-1 Checkout down" + String(repeating: " ", count: 89)
                + "L2  investigating  elapsed 10m 00s  next update 5:00")
        #expect(lines[1] == "┌ Status " + String(repeating: "─", count: 54) + "┐┌ Runbook " + String(repeating: "─", count: 37)
                + "┐┌ Contacts " + String(repeating: "─", count: 36) + "┐")
        let status = lines[2...16].map { String($0.dropFirst().prefix(62)).trimmingCharacters(in: .whitespaces) }
        #expect(status == [
            "Impact  EU checkout returns 5xx",
            "investigating since 14:02",
            "Latest  14:05 decision: roll back deploy 4411",
            "Roles",
            "incident commander   alice",
            "deputy               alice (IC)",
            "scribe               bob",
            "communications lead  alice (IC)",
            "Key times",
            "first signal   13:53",
            "declared       14:00",
            "investigating  14:02",
            "",
            "",
            "",
        ])
        #expect(lines[2].contains("││No runbook attached.") && lines[2].hasSuffix("││No contacts loaded.                           │"))
        #expect(lines[18].hasPrefix("└") && lines[18].hasSuffix("┘"))
        #expect(lines[19].hasPrefix("┌ Timeline ─") && lines[19].hasSuffix("┐"))
        #expect(lines[20].hasPrefix("│#6 13:53:00* note     bob   first customer ticket "))
        #expect(lines[21].hasPrefix("│#1 14:00:00  declared alice declared L2: Checkout down — impact: EU checkout returns 5xx "))
        #expect(lines[45].hasPrefix("└") && lines[45].hasSuffix("┘"))
        #expect(lines[47] == ">")
        // Corners where the layout says.
        let layout = ConsoleLayout(width: 160, height: 48)!
        for rect in [layout.status, layout.checklist, layout.contacts, layout.timeline] {
            #expect(buffer[rect.x, rect.y].text == "┌")
            #expect(buffer[rect.maxX - 1, rect.y].text == "┐")
            #expect(buffer[rect.x, rect.maxY - 1].text == "└")
            #expect(buffer[rect.maxX - 1, rect.maxY - 1].text == "┘")
        }
    }

    @Test func statusPaneScrollsToTheKeyTimes() {
        var model = console()
        model.press(.tab)
        #expect(model.focus == .status)
        model.press(.end)
        let lines = model.lines
        #expect(lines[1].hasPrefix("┌ Status ─"))
        #expect(lines[5].hasPrefix("│  first signal   13:53 "))
        #expect(lines[6].hasPrefix("│  declared       14:00 "))
        #expect(lines[7].hasPrefix("│  investigating  14:02 "))
        model.press(.home)
        #expect(model.lines[2].hasPrefix("│Impact "))
    }

    @Test func focusedPaneTitleIsReversed() {
        var model = console()
        model.press(.tab, .tab)
        #expect(model.focus == .checklist)
        let buffer = model.render()
        let x = buffer.column(of: "Runbook", row: 1)!
        #expect(buffer[x, 1].style.attributes.contains(.reverse))
        #expect(!buffer[buffer.column(of: "Status", row: 1)!, 1].style.attributes.contains(.reverse))
    }

    @Test func summaryIsTheLatestDecisionOrStatusUpdate() {
        var events = demoEvents
        events.append(event(7, .statusUpdateSent(message: "rollback under way"), at: minute(7)))
        events.append(event(8, .decision("page the DBA"), at: minute(4), recorded: minute(8)))
        let lines = console(events, width: 160, height: 48).lines
        #expect(lines.contains { $0.hasPrefix("│Latest  14:07 status update: rollback under way ") })
    }

    @Test func noIncidentShowsHowToDeclareOne() {
        let lines = console([]).lines
        #expect(lines[0] == "Warroom  no incident — declare one with /declare L2 Title")
        #expect(lines[2] == "│No incident yet.              ││No runbook attached.  ││No contacts loaded.   │")
        #expect(lines[3].hasPrefix("│Declare one by typing "))
        #expect(lines[4].hasPrefix("│  /declare L2 Title "))
        #expect(lines[10].hasPrefix("│No entries. "))
    }
}
