import Foundation
import IncidentCore
import Testing
@testable import Console

/// `b` (or /broadcast) drafts a status update from state; the commander edits it in place and sends or cancels.
@Suite struct BroadcastDraftTests {
    static let drafted = "[L2][investigating] Checkout down — EU checkout returns 5xx — roll back deploy 4411 — next update by 14:25"

    /// The demo console with two channels configured, focus on the panes.
    private func panes(routes: [ChannelRoute] = [ChannelRoute(name: "ops-war-room"), ChannelRoute(name: "execs", audiences: [.executive])])
        -> ConsoleModel {
        var model = console()
        _ = model.update(.broadcast(.channels(routes)))
        model.press(.escape)
        return model
    }

    @Test func bOpensADraftMadeFromTheIncidentsState() throws {
        var model = panes()
        #expect(model.press(.char("b")).isEmpty)
        let draft = try #require(model.broadcastPane.draft)
        #expect(draft.editor.text == Self.drafted)
        #expect(draft.audience == .tactical)

        let lines = model.lines
        let title = try #require(lines.firstIndex { $0.contains("Status update (tactical) → ops-war-room") })
        #expect(lines[title].hasPrefix("┌"))
        // The draft wraps at a blank inside the box, and the keys are named under it.
        #expect(lines[title + 1] == "│[L2][investigating] Checkout down — EU checkout returns 5xx — roll back deploy│")
        #expect(lines[title + 2].hasPrefix("│4411 — next update by 14:25 "))
        #expect(lines[title + 3].contains("Enter send · Esc cancel · Tab executive draft"))
        #expect(lines[title + 4].hasPrefix("└"))
        #expect(title + 4 == 21, "the box ends above the message row")
        #expect(lines[22].hasPrefix("editing a status update: nothing goes out until Enter; Esc cancels"))
        // The cursor is at the end of the draft, in the box.
        #expect(model.cursor! == (1 + TextWidth.columns("4411 — next update by 14:25"), title + 2))
    }

    @Test func enterSendsTheEditedTextAndClosesTheDraft() {
        var model = panes()
        model.press(.char("b"))
        model.press(.ctrl("u"))
        model.type("[L2] rollback done, error rate back to 0.1%")
        let effects = model.press(.enter)
        #expect(effects == [.sendStatusUpdate("INC-1", message: "[L2] rollback done, error rate back to 0.1%", audience: .tactical)])
        #expect(model.broadcastPane.draft == nil)
        #expect(model.notice?.text == "sending the status update…")
        #expect(!model.lines.contains { $0.contains("Status update (") })
    }

    @Test func escapeCancelsAndSendsNothing() {
        var model = panes()
        model.press(.char("b"))
        #expect(model.press(.escape).isEmpty)
        #expect(model.broadcastPane.draft == nil)
        #expect(model.notice?.text == "status update cancelled; nothing was sent")
    }

    /// While the draft is open it takes every key: q is a letter, not quit.
    @Test func theDraftTakesTheKeys() {
        var model = panes()
        model.press(.char("b"), .ctrl("u"))
        model.type("quick q")
        #expect(model.broadcastPane.draft?.editor.text == "quick q")
        #expect(model.editor.text.isEmpty, "nothing went to the command line")
        model.press(.left, .backspace)
        #expect(model.broadcastPane.draft?.editor.text == "quickq")
    }

    @Test func tabSwitchesAudienceAndRedraftsOnlyAnUntouchedDraft() throws {
        var model = panes()
        model.press(.char("b"), .tab)
        var draft = try #require(model.broadcastPane.draft)
        #expect(draft.audience == .executive)
        #expect(draft.editor.text == "Checkout down (L2: core function degraded or partial outage). Status: we are investigating "
            + "the cause. Impact: EU checkout returns 5xx. Next update by 14:25 UTC.")
        #expect(model.lines.contains { $0.contains("Status update (executive) → execs") })

        model.type(" Thanks.")
        model.press(.tab)
        draft = try #require(model.broadcastPane.draft)
        #expect(draft.audience == .tactical)
        #expect(draft.editor.text.hasSuffix("Thanks."), "an edited draft is kept")
        model.press(.ctrl("r"))
        #expect(model.broadcastPane.draft?.editor.text == Self.drafted, "Ctrl-R drafts again")
    }

    @Test func anEmptyUpdateIsRefusedAndTheDraftStays() {
        var model = panes()
        model.press(.char("b"), .ctrl("u"))
        #expect(model.press(.enter).isEmpty)
        #expect(model.notice == ConsoleNotice(text: "the status update is empty", isError: true))
        #expect(model.broadcastPane.draft != nil)
    }

    @Test func anExecutiveUpdateMayNotPromiseAFixTime() {
        var model = panes()
        model.press(.char("b"), .tab, .ctrl("u"))
        model.type("Checkout is degraded; it will be fixed by 15:00.")
        #expect(model.press(.enter).isEmpty)
        #expect(model.notice?.isError == true)
        #expect(model.notice?.text.contains("never promises a fix time, and this one says \"fixed by 15:00\"") == true)
        #expect(model.broadcastPane.draft != nil, "the draft stays open to be reworded")
    }

    @Test func slashBroadcastOpensADraftForAnAudience() {
        var model = console()
        #expect(model.submit("/broadcast executive").isEmpty)
        #expect(model.broadcastPane.draft?.audience == .executive)
        model.press(.escape)
        #expect(model.submit("/broadcast").isEmpty)
        #expect(model.broadcastPane.draft?.audience == .tactical)
        model.press(.escape)
        _ = model.submit("/broadcast board")
        #expect(model.notice?.text == "/broadcast needs nothing, or an audience (tactical, executive): /broadcast [tactical|executive]")
        #expect(model.broadcastPane.draft == nil)
    }

    @Test func withoutChannelsTheBoxSaysTheUpdateStaysOnTheTimeline() {
        var model = panes(routes: [])
        model.press(.char("b"))
        #expect(model.lines.contains { $0.contains("Status update (tactical) → no channel: timeline only") })
    }

    /// A drill's update goes only to drill sinks.
    @Test func aDrillDraftNamesOnlyDrillSinks() {
        var model = console([declared("DRILL-1", drill: true)])
        _ = model.update(.broadcast(.channels([ChannelRoute(name: "ops"), ChannelRoute(name: "sink", isDrillSink: true)])))
        model.press(.escape, .char("b"))
        #expect(model.broadcastPane.draft?.editor.text.hasPrefix("[DRILL][L2][declared]") == true)
        #expect(model.lines.contains { $0.contains("Status update (tactical) → sink ") })
    }

    @Test func theRunnersAnswerIsShown() {
        var model = panes()
        _ = model.update(.broadcast(.sent(update: 7, channels: ["ops-war-room", "execs"], note: nil)))
        #expect(model.notice?.text == "status update #7 queued for ops-war-room, execs")
        _ = model.update(.broadcast(.sent(update: 8, channels: [], note: "no channels are configured")))
        #expect(model.notice?.text == "status update #8 recorded; no channels are configured")
    }

    @Test func theHelpListsTheDraftKeysAndTheCommand() {
        var model = panes()
        model.press(.char("?"))
        let help = model.helpLines(width: 96).map { $0.map(\.text).joined() }.joined(separator: "\n")
        #expect(help.contains("draft a status update from the incident's state"))
        #expect(help.contains("Status update draft"))
        #expect(help.contains("switch between the tactical and the executive draft"))
        #expect(help.contains("/broadcast [tactical|executive]"))
    }

    /// The header counts with the configured cadence: overdue at 5 minutes here, then a fresh countdown.
    @Test func theHeaderUsesTheConfiguredCadence() {
        var policy = Policy.standard
        policy.cadence[.l2] = .seconds(5 * 60)
        var model = ConsoleModel(now: minute(6), timeZone: utc, width: 80, height: 24, actor: "carol", policy: policy)
        _ = model.update(.loaded([declared()]))
        #expect(model.lines[0].hasSuffix("OVERDUE +1:00"))
        _ = model.update(.appended([event(2, .statusUpdateSent(message: "sent"), at: minute(6))]))
        #expect(model.lines[0].hasSuffix("next update 5:00"))
        _ = model.update(.tick(minute(9.5)))
        #expect(model.lines[0].hasSuffix("next update 1:30"), "inside the 2-minute reminder")
    }

    /// The status pane says where the latest update got to; a delivery given up is an error notice.
    @Test func deliveriesShowInTheStatusPaneAndAGiveUpIsLoud() {
        var model = console(width: 120, height: 30)
        _ = model.update(.appended([
            event(7, .statusUpdateSent(message: "rolling back"), at: minute(10)),
            event(8, .delivery(.queued(update: 7, channels: ["ops", "execs"])), at: minute(10)),
            event(9, .delivery(.delivered(update: 7, channel: "ops", attempt: 1, detail: nil)), at: minute(10)),
            event(10, .delivery(.failed(update: 7, channel: "execs", attempt: 1, problem: "webhook 503", retryIn: 5)), at: minute(10)),
        ]))
        #expect(model.lines.contains { $0.contains("Sent    ops ✓ · execs retrying (webhook 503)") })
        #expect(model.notice == nil)
        _ = model.update(.appended([
            event(11, .delivery(.abandoned(update: 7, channel: "execs", attempt: 8, problem: "webhook 503")), at: minute(30)),
        ]))
        #expect(model.lines.contains { $0.contains("Sent    ops ✓ · execs NOT SENT (webhook 503)") })
        #expect(model.notice == ConsoleNotice(
            text: "status update #7 was NOT delivered to execs: webhook 503 (`warroom outbox retry` sends it again)", isError: true))
    }
}
