import Testing
import Foundation
import IncidentCore
@testable import Console

/// The text rows inside the timeline pane at 80×24, without the borders.
func timelineRows(_ model: ConsoleModel) -> [String] {
    let layout = ConsoleLayout(width: model.width, height: model.height)!
    let buffer = model.render()
    return (layout.timeline.y + 1..<layout.timeline.maxY - 1).map { y in
        var line = ""
        for x in layout.timeline.x + 1..<layout.timeline.maxX - 1 { line += buffer[x, y].text }
        while line.last == " " { line.removeLast() }
        return line
    }
}

/// `count` notes after the declaration, one a minute.
func notes(_ count: Int, incident: IncidentID = "INC-1") -> [Event] {
    [declared(incident)] + (0..<count).map { i in
        event(EventID(i + 2), .note("note \(i + 1)"), at: minute(Double(i + 1)), incident: incident)
    }
}

@Suite struct TimelineTests {
    @Test func backdatedEntryArrivesInPlaceAndMarked() {
        var model = console()
        _ = model.update(.appended([event(7, .note("pager went off"), at: minute(0.5), recorded: minute(9), by: "carol")]))
        let rows = timelineRows(model)
        #expect(rows[1] == "#1 14:00:00  declared alice declared L2: Checkout down — impact: EU checkout …")
        #expect(rows[2] == "#7 14:00:30* note     carol pager went off")
        #expect(rows[3] == "#2 14:01:00  note     bob   alert fired: 5xx above 30%")
    }

    @Test func correctionShowsTheCorrectedTextMarked() {
        var model = console()
        _ = model.update(.appended([event(7, .correction(of: 2, text: "alert fired: 5xx above 40%"), at: minute(8))]))
        let rows = timelineRows(model)
        #expect(rows[2] == "#2 14:01:00  note     bob   (corrected) alert fired: 5xx above 40%")
        #expect(rows[6] == "#7 14:08:00  correct  alice corrects #2: alert fired: 5xx above 40%")
    }

    @Test func correctedDecisionUpdatesTheSummary() {
        var model = console(width: 160, height: 48)
        _ = model.update(.appended([event(7, .correction(of: 5, text: "roll back deploy 4412"), at: minute(8))]))
        #expect(model.lines.contains { $0.hasPrefix("│Latest  14:05 decision: roll back deploy 4412 ") })
    }

    @Test func datesAppearWhenTheIncidentSpansMidnight() {
        let evening = base.addingTimeInterval(9 * 3600 + 50 * 60)  // 23:50
        let events = [
            declared(at: evening),
            event(2, .note("still failing"), at: evening.addingTimeInterval(15 * 60)),
        ]
        let rows = timelineRows(console(events, now: evening.addingTimeInterval(20 * 60)))
        #expect(rows[0] == "#1 11-23 23:50:00  declared alice declared L2: Checkout down — impact: EU che…")
        #expect(rows[1] == "#2 11-24 00:05:00  note     alice still failing")
        let sameDay = timelineRows(console(Array(events.prefix(1)), now: evening.addingTimeInterval(5 * 60)))
        #expect(sameDay[0].hasPrefix("#1 23:50:00  declared"))
    }

    @Test func timesAreShownInTheConsoleTimeZone() {
        let shanghai = TimeZone(identifier: "Asia/Shanghai")!
        #expect(timelineRows(console(timeZone: shanghai))[1].hasPrefix("#1 22:00:00  declared"))
    }

    @Test func newestEntriesAtTheBottomAndTheViewFollowsThem() {
        var model = console(notes(30), now: minute(31))
        var rows = timelineRows(model)
        #expect(rows.count == 11)
        #expect(rows.first == "#21 14:20:00  note     alice note 20")
        #expect(rows.last == "#31 14:30:00  note     alice note 30")
        _ = model.update(.appended([event(32, .note("note 31"), at: minute(31))]))
        rows = timelineRows(model)
        #expect(rows.last == "#32 14:31:00  note     alice note 31")
    }

    @Test func scrollingUpHoldsTheViewWhileEntriesArrive() {
        var model = console(notes(30), now: minute(31))
        model.press(.escape)
        #expect(model.focus == .timeline)
        model.press(.pageUp, .char("k"))
        var rows = timelineRows(model)
        #expect(rows.first == "#11 14:10:00  note     alice note 10")
        let buffer = model.render()
        #expect(buffer.line(23 - 2).contains(" ↓ 10 newer "))
        _ = model.update(.appended([event(32, .note("note 31"), at: minute(31))]))
        rows = timelineRows(model)
        #expect(rows.first == "#11 14:10:00  note     alice note 10")
        #expect(model.render().line(21).contains(" ↓ 11 newer "))
        model.press(.char("G"))
        #expect(timelineRows(model).last == "#32 14:31:00  note     alice note 31")
        #expect(!model.render().line(21).contains("newer"))
    }

    @Test func selectedEntryIsReversedOnlyWhileTheTimelineHasFocus() {
        var model = console()
        var buffer = model.render()
        #expect(!buffer[5, 15].style.attributes.contains(.reverse))
        model.press(.escape, .char("k"))
        buffer = model.render()
        #expect(buffer.lines[14].hasPrefix("│#4 14:03:00"))
        #expect(buffer[5, 14].style.attributes.contains(.reverse))
        #expect(buffer[70, 14].style.attributes.contains(.reverse))
        #expect(!buffer[5, 15].style.attributes.contains(.reverse))
    }

    @Test func replayedEventsAreIgnored() {
        var model = console()
        let before = model.render()
        _ = model.update(.appended(Array(demoEvents.suffix(3))))
        _ = model.update(.loaded(demoEvents))
        #expect(model.render() == before)
    }

    @Test func otherIncidentsStayOffThisTimeline() {
        var model = console()
        _ = model.update(.appended([declared("INC-2", id: 7, title: "Search slow", at: minute(8), by: "dave"),
                                    event(8, .note("search note"), at: minute(9), incident: "INC-2")]))
        #expect(model.selectedIncident == "INC-1")
        #expect(!timelineRows(model).contains { $0.contains("search") })
        #expect(model.lines[22] == "INC-2 declared by dave: L2 Search slow (i to switch)")
    }

    @Test func tenThousandEntriesRenderTheNewestPage() {
        let events = [declared()] + (1...10_000).map { i in
            event(EventID(i + 1), .note("note \(i)"), at: base.addingTimeInterval(Double(i)))
        }
        var model = console(events, now: minute(170))
        let rows = timelineRows(model)
        #expect(rows.last == "#10001 16:46:40  note     alice note 10000")
        #expect(rows.first == " #9991 16:46:30  note     alice note 9990")
        model.press(.escape, .char("g"))
        #expect(timelineRows(model).first == "    #1 14:00:00  declared alice declared L2: Checkout down — impact: EU check…")
        model.press(.pageDown)
        #expect(timelineRows(model).first == "   #11 14:00:10  note     alice note 10")
    }

    @Test func controlCharactersInStoredTextAreInert() {
        let events = [
            declared(title: "evil\u{1B}]0;pwned\u{07}", impact: "\u{1B}[31mred"),
            event(2, .note("clear \u{1B}[2J now"), at: minute(1), by: "mal\u{1B}[1mlory"),
        ]
        let model = console(events, width: 160, height: 48)
        let lines = model.lines
        #expect(lines[0].hasPrefix("INC-1 evil␛]0;pwned␇ "))
        #expect(lines[2].hasPrefix("│Impact  ␛[31mred "))
        let rows = timelineRows(model)
        #expect(rows[1] == "#2 14:01:00  note     mal␛[1mlory clear ␛[2J now")
        let buffer = model.render()
        #expect(!buffer.cells.contains { $0.text.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F } })
    }

    @Test func wideTextKeepsEveryBorderInPlace() {
        let events = [
            declared(title: "支付服务全部中断", impact: "所有欧洲客户无法结账，订单全部失败"),
            event(2, .note("数据库主节点内存耗尽，连接池被打满，开始切换到备用节点并检查复制延迟"), at: minute(1), by: "王小明"),
            event(3, .note("ascii then 宽字符 mixed 文本 that runs past the right border of the pane"), at: minute(2)),
            event(4, .decision("回滚到上一个版本"), at: minute(3), by: "李"),
        ]
        for (width, height) in [(80, 24), (81, 24), (160, 48)] {
            let buffer = console(events, width: width, height: height).render()
            let layout = ConsoleLayout(width: width, height: height)!
            for y in 0..<height {
                #expect(TextWidth.columns(buffer.line(y)) == width, "row \(y) at \(width)×\(height)")
            }
            for rect in [layout.status, layout.checklist, layout.contacts, layout.timeline] {
                for y in rect.y + 1..<rect.maxY - 1 {
                    #expect(buffer[rect.x, y].text == "│")
                    #expect(buffer[rect.maxX - 1, y].text == "│", "right border row \(y) at \(width)×\(height)")
                }
            }
        }
        let rows = timelineRows(console(events))
        #expect(rows[1] == "#2 14:01:00  note     王小明 数据库主节点内存耗尽，连接池被打满，开始切换到备…")
        #expect(rows[3] == "#4 14:03:00  decision 李     回滚到上一个版本")
    }
}
