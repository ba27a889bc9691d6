import Testing
import Foundation
import IncidentCore
@testable import Console

@Suite struct HeaderTests {
    @Test func scheduledCountdown() {
        #expect(console().lines[0] == "INC-1 Checkout down         L2  investigating  elapsed 10m 00s  next update 5:00")
    }

    @Test func dueSoonIsHighlighted() throws {
        var model = console()
        _ = model.update(.tick(minute(13.5)))
        let buffer = model.render()
        #expect(buffer.lines[0] == "INC-1 Checkout down         L2  investigating  elapsed 13m 30s  next update 1:30")
        let x = try #require(buffer.column(of: "next update", row: 0))
        #expect(buffer[x, 0].style == Palette.dueSoon)
        #expect(buffer[x, 0].style.attributes.contains(.bold))
    }

    @Test func overdueIsLoudWithoutColour() throws {
        var model = console()
        _ = model.update(.tick(minute(15).addingTimeInterval(185)))
        let buffer = model.render()
        #expect(buffer.lines[0] == "INC-1 Checkout down            L2  investigating  elapsed 18m 05s  OVERDUE +3:05")
        let x = try #require(buffer.column(of: "OVERDUE", row: 0))
        for dx in 0..<"OVERDUE +3:05".count {
            #expect(buffer[x + dx, 0].style.attributes.isSuperset(of: [.reverse, .bold]))
        }
    }

    @Test func statusUpdateRestartsTheCountdown() {
        var model = console(now: minute(20))
        #expect(model.lines[0].hasSuffix("OVERDUE +5:00"))
        _ = model.update(.appended([event(7, .statusUpdateSent(message: "rolling back"), at: minute(20))]))
        #expect(model.lines[0].hasSuffix("next update 15:00"))
    }

    @Test func l1IsMarkedByAttributesNotOnlyColour() throws {
        let events = [declared(severity: .l1, title: "Storage tier lost")]
        let buffer = console(events, now: minute(1)).render()
        #expect(buffer.lines[0] == "INC-1 Storage tier lost          L1  declared  elapsed 1m 00s  next update 14:00")
        let x = try #require(buffer.column(of: "L1", row: 0))
        #expect(buffer[x, 0].style.attributes.isSuperset(of: [.reverse, .bold]))
        #expect(buffer[x + 1, 0].style.attributes.isSuperset(of: [.reverse, .bold]))
        #expect(buffer[x, 0].style.foreground == .red)
    }

    @Test func l2IsAlsoReversed() throws {
        let buffer = console().render()
        let x = try #require(buffer.column(of: "L2", row: 0))
        #expect(buffer[x, 0].style.attributes.isSuperset(of: [.reverse, .bold]))
    }

    @Test func drillIsFlagged() throws {
        let events = [declared("DRILL-1", severity: .l3, title: "Game day", drill: true)]
        let buffer = console(events, now: minute(2)).render()
        #expect(buffer.lines[0] == "DRILL-1 Game day          L3  declared  elapsed 2m 00s  next update 28:00  DRILL")
        #expect(buffer[75, 0].text == "D")
        #expect(buffer[75, 0].style.attributes.contains(.bold))
    }

    @Test func resolvedIncidentHasNoCountdownAndAFrozenClock() {
        var events = demoEvents
        let path: [(LifecycleState, LifecycleState, Double)] = [
            (.investigating, .identified, 11), (.identified, .mitigating, 12), (.mitigating, .monitoring, 13),
            (.monitoring, .resolved, 45),
        ]
        for (index, step) in path.enumerated() {
            events.append(event(EventID(7 + index), .stateChanged(from: step.0, to: step.1, reason: nil, override: nil),
                                at: minute(step.2)))
        }
        #expect(console(events, now: minute(90)).lines[0] == "INC-1 Checkout down" + String(repeating: " ", count: 32) + "L2  resolved  elapsed 45m 00s")
    }

    @Test func longTitleIsCutWithAnEllipsis() {
        let events = [declared(title: "Checkout and payment APIs return 5xx for every EU customer")]
        #expect(console(events).lines[0] == "INC-1 Checkout and payment API…  L2  declared  elapsed 10m 00s  next update 5:00")
    }

    @Test func wideTitleIsCutOnACharacterBoundary() {
        let events = [declared(title: "支付服务全部中断影响所有欧洲客户")]
        let buffer = console(events).render()
        #expect(buffer.lines[0] == "INC-1 支付服务全部中断影响所有…  L2  declared  elapsed 10m 00s  next update 5:00")
        #expect(TextWidth.columns(buffer.line(0)) == 80)
    }
}
