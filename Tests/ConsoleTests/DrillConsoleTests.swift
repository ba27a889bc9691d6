import Foundation
import IncidentCore
import Testing
@testable import Console

/// Five scripted events over an hour; the last ones must stay a surprise.
let storageDrill = DrillScenario(
    id: "storage-nodes-offline", title: "Storage nodes offline", runbooks: ["restore"], severity: .l2,
    injects: [
        .init(offsetSeconds: 0, kind: .alert, text: "storage nodes 3 and 4 unreachable", line: 8),
        .init(offsetSeconds: 180, kind: .note, text: "error rate 30%", line: 9),
        .init(offsetSeconds: 720, kind: .severity, text: "the CFO reports payments failing", severity: .l1, line: 10),
        .init(offsetSeconds: 1500, kind: .unanswered, text: "dba", line: 11),
        .init(offsetSeconds: 3600, kind: .note, text: "the vendor calls back with a fix", line: 12),
    ])

/// DRILL-3 at 600×: declared and started at 14:00, investigating at 14:01, the first two injects fired.
let drillEvents: [Event] = [
    declared("DRILL-3", severity: .l2, title: "Storage nodes offline", impact: "documents unavailable", drill: true),
    event(2, .drill(.started(storageDrill, speed: 600)), at: base, incident: "DRILL-3"),
    event(3, .drill(.injected(DrillInjection(index: 0, inject: storageDrill.injects[0]))), at: base, by: DrillScoreCard.actor,
          incident: "DRILL-3"),
    event(4, .stateChanged(from: .declared, to: .investigating, reason: nil, override: nil), at: minute(1), incident: "DRILL-3"),
    event(5, .drill(.injected(DrillInjection(index: 1, inject: storageDrill.injects[1]))), at: minute(3),
          by: DrillScoreCard.actor, incident: "DRILL-3"),
]

/// The drill's end, by the console's user.
func drillEnded(_ id: EventID = 6, at date: Date) -> Event {
    event(id, .drill(.ended(.ended)), at: date, by: "carol", incident: "DRILL-3")
}

/// A score card long enough to scroll at 80×24.
let scoreCardText = (["# Score card — DRILL-3", "", "Scenario storage-nodes-offline at 600×.", "",
                      "| Milestone | Target | Took |", "|---|---|---|", "| mitigated | 30m | 41m |", ""]
                     + (1...40).map { "- practise point \($0)" }).joined(separator: "\n") + "\n"

@Suite struct DrillConsoleTests {
    // MARK: Header

    @Test func headerAt80x24ShowsTheBadgeClockAndSpeedAndShortensTheTitleAndLabels() throws {
        let buffer = console(drillEvents, now: minute(23)).render()
        #expect(buffer.lines[0] == "DRILL-3 Storage no…  L2  investigating  23m 00s  OVERDUE +8:00  DRILL T+23m 600×")
        let x = try #require(buffer.column(of: "DRILL T+23m", row: 0))
        for dx in 0..<"DRILL T+23m 600×".count {
            #expect(buffer[x + dx, 0].style == Palette.drillBadge)
        }
        #expect(Palette.drillBadge.attributes.isSuperset(of: [.bold, .reverse]), "visible without colour")
    }

    @Test func wideHeaderKeepsEveryLabel() {
        var model = console(drillEvents, width: 140, height: 40, now: minute(12))
        #expect(model.lines[0] == "DRILL-3 Storage nodes offline" + String(repeating: " ", count: 41)
                + "L2  investigating  elapsed 12m 00s  next update 3:00  DRILL T+12m 600×")
        _ = model.update(.tick(minute(65.5)))
        #expect(model.lines[0].hasSuffix("DRILL T+1h5m 600×"), "minute resolution")
    }

    /// The longest facts there are: a two-digit drill, an hour-long overdue countdown and a four-digit speed.
    @Test func theBadgeStaysOnAnEightyColumnHeaderEvenAtItsLongest() {
        let events = [
            declared("DRILL-12", severity: .l1, title: "A drill with a long title", drill: true),
            event(2, .drill(.started(storageDrill, speed: 1000)), at: base, incident: "DRILL-12"),
            event(3, .stateChanged(from: .declared, to: .investigating, reason: nil, override: nil), at: minute(1),
                  incident: "DRILL-12"),
        ]
        let line = console(events, now: minute(125.25)).lines[0]
        #expect(line == "DRILL-12 A dri…  L1  investigating  2h 05m  OVERDUE +1:50:15  DRILL T+2h5m 1000×")
        #expect(TextWidth.columns(line) <= 80)
    }

    @Test func headerSaysDrillEndedOnceItIsOver() throws {
        var model = console(drillEvents, now: minute(30))
        _ = model.update(.appended([drillEnded(at: minute(30))]))
        _ = model.update(.tick(minute(40)))
        let buffer = model.render()
        #expect(buffer.lines[0].hasSuffix("  DRILL ended"))
        #expect(!buffer.lines[0].contains("T+"))
        let x = try #require(buffer.column(of: "DRILL ended", row: 0))
        #expect(buffer[x, 0].style == Palette.drillBadge)
    }

    @Test func aRealIncidentHasNoBadge() {
        #expect(!console().lines[0].contains("DRILL"))
        #expect(!console(width: 160, height: 48).lines[0].contains("DRILL"))
    }

    // MARK: /end-drill

    @Test func endDrillOnARealIncidentIsRefused() {
        var model = console()
        #expect(model.submit("/end-drill").isEmpty)
        #expect(model.notice == ConsoleNotice(text: "INC-1 is not a drill", isError: true))
        #expect(model.overlay == nil)
    }

    @Test func endDrillWithoutAScenarioIsRefused() {
        var model = console([declared("DRILL-3", title: "Game day", drill: true)])
        #expect(model.submit("/end-drill").isEmpty)
        #expect(model.notice == ConsoleNotice(text: "DRILL-3 has no scenario recorded, so there is no drill to end",
                                              isError: true))
    }

    @Test func endDrillAsksAndNoKeepsTheDrillGoing() {
        var model = console(drillEvents, now: minute(20))
        #expect(model.submit("/end-drill").isEmpty)
        #expect(model.overlay == .confirmEndDrill("DRILL-3"))
        let prompt = model.lines.suffix(4).joined(separator: " ")
        #expect(prompt.contains("End the drill DRILL-3 now? No more scripted events; the score card is written."))
        #expect(prompt.contains("y/n"))
        #expect(model.press(.char("n")).isEmpty)
        #expect(model.overlay == nil)
        #expect(model.notice == ConsoleNotice(text: "DRILL-3 goes on", isError: false))
        #expect(!model.lines.joined().contains("End the drill"))
    }

    @Test func yesEndsTheDrill() {
        var model = console(drillEvents, now: minute(20))
        _ = model.submit("/end-drill")
        #expect(model.press(.char("y")) == [.endDrill("DRILL-3")])
        #expect(model.overlay == nil)
        #expect(model.notice == ConsoleNotice(text: "ending DRILL-3…", isError: false))
        #expect(model.editor.text.isEmpty)
    }

    @Test func anEndedDrillCannotBeEndedAgain() {
        var model = console(drillEvents + [drillEnded(at: minute(20))], now: minute(25))
        #expect(model.submit("/end-drill").isEmpty)
        #expect(model.notice == ConsoleNotice(
            text: "DRILL-3 has already ended; warroom drill end DRILL-3 prints its score card again", isError: true))
        #expect(model.overlay == nil)
    }

    /// Someone ran `warroom drill end` while the question was on screen.
    @Test func yesIsCheckedAgainstTheDrillAsItIsThen() {
        var model = console(drillEvents, now: minute(20))
        _ = model.submit("/end-drill")
        _ = model.update(.appended([drillEnded(at: minute(20.5))]))
        #expect(model.press(.char("y")).isEmpty)
        #expect(model.notice?.text == "DRILL-3 has already ended; warroom drill end DRILL-3 prints its score card again")
    }

    @Test(arguments: [
        ("/end-drill now", "/end-drill needs nothing after it; it ends the drill on screen: /end-drill"),
        ("/at 14:05 /end-drill", "a drill ends now; /at cannot backdate it"),
    ])
    func endDrillLinesThatAreRefused(line: String, message: String) {
        var model = console(drillEvents, now: minute(20))
        #expect(model.submit(line).isEmpty)
        #expect(model.notice == ConsoleNotice(text: message, isError: true))
        #expect(model.overlay == nil)
    }

    @Test func theHelpListsEndDrill() {
        var model = console(drillEvents, width: 120, height: 200, now: minute(5))
        model.press(.escape, .char("?"))
        #expect(model.lines.contains { $0.contains("/end-drill") && $0.contains("end the drill now: no more scripted events") })
        #expect(model.lines.contains { $0.contains("Drill score card") })
    }

    // MARK: Runner messages

    @Test func theStartNoticeNamesTheScenarioSpeedAndSink() {
        var model = console(drillEvents, now: minute(0))
        _ = model.update(.drill(.started("DRILL-3", sink: "drill-sink.log")))
        #expect(model.notice == ConsoleNotice(
            text: "DRILL-3: storage-nodes-offline at 600×; broadcasts and pages go only to the drill sink (drill-sink.log)",
            isError: false))
        #expect(model.lines.contains { $0.contains("drill sink (drill-sink.log)") })
    }

    @Test func theScoreCardOpensScrollsAndCloses() throws {
        var model = console(drillEvents + [drillEnded(at: minute(20))], now: minute(20))
        _ = model.update(.drill(.scoreCard("DRILL-3", path: "postmortems/DRILL-3-scorecard.md", text: scoreCardText)))
        #expect(model.notice == ConsoleNotice(text: "score card written to postmortems/DRILL-3-scorecard.md", isError: false))
        // The overlay's rows, from its left border: it starts at column 2.
        func overlay() -> [String] { model.lines.map { String($0.dropFirst(2)) } }
        var lines = overlay()
        #expect(lines[1].hasPrefix("┌ Score card — DRILL-3 (Esc closes) ─"))
        #expect(lines[2].hasPrefix("│# Score card — DRILL-3" + String(repeating: " ", count: 52) + "│"))
        #expect(lines[4].hasPrefix("│Scenario storage-nodes-offline at 600×."))
        #expect(lines[6].hasPrefix("│| Milestone | Target | Took |"))
        #expect(lines[22].contains("↓ j/k scroll"))
        let buffer = model.render()
        #expect(buffer[3, 2].style == Palette.heading, "headings stand out")

        model.press(.down, .char("j"))
        lines = overlay()
        #expect(lines[2].hasPrefix("│Scenario storage-nodes-offline"))
        model.press(.pageDown)
        #expect(overlay()[2].hasPrefix("│- practise point 14"), "a page is the 20 rows less one")
        model.press(.pageDown, .pageDown, .pageDown)
        #expect(overlay()[21].hasPrefix("│- practise point 40"), "stops at the last line")
        #expect(!overlay()[22].contains("↓"))
        model.press(.up, .char("k"), .pageUp)
        #expect(overlay()[21].hasPrefix("│- practise point 19"))

        model.press(.escape)
        #expect(model.overlay == nil)
        #expect(!model.lines.joined().contains("Score card"))
    }

    @Test(arguments: [Key.char("q"), Key.enter])
    func otherKeysCloseTheScoreCard(key: Key) {
        var model = console(drillEvents, now: minute(20))
        _ = model.update(.drill(.scoreCard("DRILL-3", path: "p.md", text: "# Score card")))
        #expect(model.press(key).isEmpty)
        #expect(model.overlay == nil)
    }

    /// Prose wraps under itself, a table row is cut at the edge, and wide characters are never split.
    @Test func theScoreCardWrapsProseAndCutsTablesOnCharacterBoundaries() {
        let text = "- " + String(repeating: "支付服务全部中断影响所有欧洲客户", count: 3) + "\n"
            + String(repeating: "| 里程碑 | 目标 | 用时 ", count: 5) + "|"
        var model = console(drillEvents, now: minute(20))
        _ = model.update(.drill(.scoreCard("DRILL-3", path: "p.md", text: text)))
        let buffer = model.render()
        let inner = model.scoreCardRect.inset(1)
        func row(_ y: Int) -> String { (inner.x..<inner.maxX).map { buffer[$0, y].text }.joined() }
        #expect(row(inner.y).hasPrefix("- 支付服务"))
        #expect(row(inner.y + 1).hasPrefix("  "), "the item's second row hangs under its text")
        #expect(row(inner.y + 1).contains("影响"))
        #expect(row(inner.y + 2).hasPrefix("| 里程碑"))
        #expect(row(inner.y + 2).trimmingCharacters(in: .whitespaces).hasSuffix("…"))
        for y in inner.y..<inner.y + 3 {
            #expect(TextWidth.columns(row(y)) == inner.width, "row \(y) fills exactly the overlay's width")
            #expect(!buffer[inner.x, y].isContinuation)
        }
        #expect(buffer[inner.maxX, inner.y + 2].text == "│", "the border is intact")
    }

    // MARK: Timeline and status pane

    @Test func anInjectStandsOutOnTheTimeline() throws {
        let model = console(drillEvents, width: 120, height: 40, now: minute(5))
        let rows = timelineRows(model)
        let inject = try #require(rows.first { $0.contains("T+3m note: error rate 30%") })
        #expect(inject.hasPrefix("#5 14:03:00  INJECT   drill "))
        #expect(rows.contains { $0.contains("drill    alice drill started: scenario storage-nodes-offline, clock at 600×") })

        let buffer = model.render()
        let y = try #require((0..<buffer.height).first { buffer.line($0).contains("T+3m note") })
        let kind = try #require(buffer.column(of: "INJECT", row: y))
        #expect(buffer[kind, y].style == Palette.inject)
        #expect(buffer[kind, y].style.attributes.isSuperset(of: [.bold, .reverse]))
        let actor = try #require(buffer.column(of: "drill ", row: y))
        #expect(buffer[actor, y].style == Palette.drill)
        let text = try #require(buffer.column(of: "T+3m", row: y))
        #expect(buffer[text, y].style.attributes.contains(.bold))

        let startRow = try #require((0..<buffer.height).first { buffer.line($0).contains("drill started") })
        let startKind = try #require(buffer.column(of: "drill ", row: startRow))
        #expect(buffer[startKind, startRow].style == Palette.drillEntry)
        #expect(Palette.drillEntry != Palette.inject)
    }

    @Test func theStatusPaneCountsInjectsWithoutGivingAwayTheNextOnes() {
        var model = console(drillEvents, width: 160, height: 48, now: minute(5))
        #expect(model.lines[5].hasPrefix("│Drill   storage-nodes-offline · 2 of 5 injects so far "))
        let screen = model.lines.joined(separator: "\n")
        for future in storageDrill.injects[2...] {
            #expect(!screen.contains(future.text), "\(future.offsetText) is a surprise")
        }
        _ = model.update(.appended([drillEnded(at: minute(30))]))
        _ = model.update(.tick(minute(40)))
        #expect(model.lines[5].hasPrefix("│Drill   storage-nodes-offline" + String(repeating: " ", count: 33) + "│"),
                "too long for one row: the scenario and the count on rows of their own")
        #expect(model.lines[6].hasPrefix("│        ended at T+30m after 2 of 5 injects "))
    }

    @Test func theNarrowStatusPaneGivesTheCountARowOfItsOwn() {
        let lines = console(drillEvents, now: minute(5)).lines
        #expect(lines[5].hasPrefix("│Drill   storage-nodes-offline │"))
        #expect(lines[6].hasPrefix("│        2 of 5 injects so far │"))
    }

    @Test func aRealIncidentHasNoDrillLine() {
        #expect(!console(width: 160, height: 48).lines.contains { $0.contains("│Drill ") })
    }
}
