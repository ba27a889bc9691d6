import Foundation
import IncidentCore

/// What the runner tells the console about broadcasting.
public enum BroadcastMessage: Sendable, Equatable {
    /// The channels in `warroom.yaml`, by name and what they receive (never their addresses).
    case channels([ChannelRoute])
    /// An update was recorded and queued for these channels; `note` says why none, when none.
    case sent(update: EventID, channels: [String], note: String?)
}

/// The status-update draft the commander is editing: opened with `b` or `/broadcast`, sent with Enter.
struct BroadcastDraftState: Sendable, Equatable {
    var incident: IncidentID
    var audience: Audience
    var editor = LineEditor()
    /// The text as drafted: while the editor still holds it, switching audience drafts afresh.
    var drafted: String
}

/// Broadcast facts the console keeps: the configured routes, and the draft being edited.
struct BroadcastPaneState: Sendable, Equatable {
    var routes: [ChannelRoute] = []
    var draft: BroadcastDraftState?
}

extension ConsoleModel {
    /// The draft's rows: at most this many lines of text, then the box grows no more and scrolls.
    static let draftTextRows = 5

    // MARK: Messages

    mutating func updateBroadcast(_ message: BroadcastMessage) {
        switch message {
        case .channels(let routes):
            broadcastPane.routes = routes
        case .sent(let update, let channels, let note):
            if channels.isEmpty {
                notice = ConsoleNotice(text: "status update #\(update) recorded; \(note ?? "no channel receives it")", isError: false)
            } else {
                notice = ConsoleNotice(text: "status update #\(update) queued for \(channels.joined(separator: ", "))", isError: false)
            }
        }
    }

    /// A delivery given up is said out loud: the timeline alone is too quiet for an update nobody received.
    mutating func noticeUndelivered(_ events: [Event]) {
        for event in events where event.incident == selectedIncident {
            guard case .delivery(.abandoned(let update, let channel, _, let problem)) = event.payload else { continue }
            let what = incidents[event.incident]?.state.paging.page(id: update) != nil ? "page" : "status update"
            notice = ConsoleNotice(
                text: "\(what) #\(update) was NOT delivered to \(channel): \(problem) (`warroom outbox retry` sends it again)",
                isError: true)
        }
    }

    /// The status pane's line about the latest update's deliveries: `Sent    ops ✓ · execs retrying (webhook 503)`.
    func deliveryLines(_ view: IncidentView, width: Int) -> [[Span]] {
        guard let last = view.state.broadcast.lastUpdate, !last.channels.isEmpty else { return [] }
        let parts = last.channels.map { channel, state -> String in
            switch state {
            case .queued: "\(channel) queued"
            case .delivered: "\(channel) ✓"
            case .retrying(let problem, _, _): "\(channel) retrying (\(problem))"
            case .abandoned(let problem): "\(channel) NOT SENT (\(problem))"
            }
        }
        let failing = last.channels.contains { if case .abandoned = $0.state { true } else { false } }
        let indent = 8
        return TextWrap.wrap(parts.joined(separator: " · "), columns: width - indent).enumerated().map { index, part in
            [(index == 0 ? fit("Sent", indent) : String(repeating: " ", count: indent), Palette.heading),
             (part, failing ? Palette.error : .plain)]
        }
    }

    // MARK: Opening and keys

    /// Opens a draft made from the incident's state. Refused when there is no incident or it is closed.
    mutating func openBroadcastDraft(audience: Audience = .tactical) -> [ConsoleEffect] {
        guard let view = current else { return refuse("no incident to send a status update about") }
        guard view.state.lifecycle != .closed else { return refuse("\(view.id) is closed; no more updates go out") }
        let text = StatusUpdateDraft.text(for: view.state, audience: audience, now: now, policy: policy, timeZone: timeZone)
        var draft = BroadcastDraftState(incident: view.id, audience: audience, drafted: text)
        draft.editor.set(text)
        broadcastPane.draft = draft
        // The pane hints on the message row would be wrong while the draft takes the keys.
        notice = ConsoleNotice(text: "editing a status update: nothing goes out until Enter; Esc cancels", isError: false)
        return []
    }

    /// Keys while the draft is open: its own bindings first, then the command line's editing keys on the draft.
    mutating func handleDraftKey(_ key: Key) -> [ConsoleEffect] {
        guard var draft = broadcastPane.draft else { return [] }
        guard let action = KeyTable.action(for: key, in: [.broadcastDraft, .commandLine]) else {
            if case .char(let c) = key { draft.editor.insert(c) }
            broadcastPane.draft = draft
            return []
        }
        switch action {
        case .sendBroadcast:
            return sendDraft(draft)
        case .cancelBroadcast:
            broadcastPane.draft = nil
            notice = ConsoleNotice(text: "status update cancelled; nothing was sent", isError: false)
            return []
        case .switchAudience, .redraftBroadcast:
            let audience = action == .switchAudience ? (draft.audience == .tactical ? .executive : .tactical) : draft.audience
            let untouched = draft.editor.text == draft.drafted
            guard let state = incidents[draft.incident]?.state else { return [] }
            let text = StatusUpdateDraft.text(for: state, audience: audience, now: now, policy: policy, timeZone: timeZone)
            draft.audience = audience
            draft.drafted = text
            if untouched || action == .redraftBroadcast { draft.editor.set(text) }
        case .cursorLeft: draft.editor.moveLeft()
        case .cursorRight: draft.editor.moveRight()
        case .lineStart: draft.editor.moveToStart()
        case .lineEnd: draft.editor.moveToEnd()
        case .deleteBackward: draft.editor.deleteBackward()
        case .deleteForward: draft.editor.deleteForward()
        case .clearLine: draft.editor.clear()
        case .deleteWord: draft.editor.deleteWordBackward()
        case .historyPrevious: draft.editor.moveToStart()
        case .historyNext: draft.editor.moveToEnd()
        default: break
        }
        broadcastPane.draft = draft
        return []
    }

    /// Checks the draft as the store will (and, for executives, that it promises no fix time) before sending.
    private mutating func sendDraft(_ draft: BroadcastDraftState) -> [ConsoleEffect] {
        guard let view = incidents[draft.incident] else { return [] }
        let message = draft.editor.text
        do throws(RuleError) {
            _ = try view.state.decide(.recordStatusUpdate(message: message), at: now, now: now, policy: policy)
        } catch {
            return refuse(error.description)
        }
        if draft.audience == .executive, let phrase = StatusUpdateDraft.promisedFixTime(in: message) {
            return refuse("an executive update never promises a fix time, and this one says \"\(phrase)\"; "
                          + "say what is being done and when the next update comes instead")
        }
        broadcastPane.draft = nil
        notice = ConsoleNotice(text: "sending the status update…", isError: false)
        return [.sendStatusUpdate(draft.incident, message: message, audience: draft.audience)]
    }

    /// The channels this draft would go to.
    func draftReceivers(_ draft: BroadcastDraftState) -> [String] {
        guard let state = incidents[draft.incident]?.state else { return [] }
        return ChannelRoute.receivers(broadcastPane.routes, severity: state.severity, audience: draft.audience, drill: state.isDrill)
    }

    // MARK: Drawing

    /// The box: over the timeline's foot, above the message row (which still shows refusals), as wide as the screen.
    func draftRect(_ draft: BroadcastDraftState, layout: ConsoleLayout) -> Rect {
        let inner = layout.command.width - 2
        let needed = max(draftRows(draft.editor.text, columns: inner).count, draftCursor(draft, columns: inner).row + 1)
        let height = min(Self.draftTextRows, needed) + 3
        return Rect(x: 0, y: layout.message.y - height, width: layout.command.width, height: height)
    }

    func drawBroadcastDraft(_ buffer: inout CellBuffer) {
        guard let draft = broadcastPane.draft, let layout = ConsoleLayout(width: width, height: height) else { return }
        let rect = draftRect(draft, layout: layout)
        buffer.fill(rect)
        let receivers = draftReceivers(draft)
        let to = receivers.isEmpty ? "no channel: timeline only" : receivers.joined(separator: ", ")
        buffer.box(rect, title: "Status update (\(draft.audience.rawValue)) → \(to)", style: .bold, titleStyle: Palette.focusedTitle)
        let inner = rect.inset(1)
        let layoutRows = draftRows(draft.editor.text, columns: inner.width)
        let (cursorRow, _) = draftCursor(draft, columns: inner.width)
        let shown = inner.height - 1
        let first = max(0, min(cursorRow - shown + 1, max(layoutRows.count, cursorRow + 1) - shown))
        let characters = Array(draft.editor.text)
        for (offset, range) in layoutRows.dropFirst(first).prefix(shown).enumerated() {
            buffer.put(String(characters[range]), x: inner.x, y: inner.y + offset, limit: inner.width, ellipsis: false)
        }
        let other = draft.audience == .tactical ? "executive" : "tactical"
        buffer.put("Enter send · Esc cancel · Tab \(other) draft · Ctrl-R draft again", x: inner.x, y: inner.maxY - 1,
                   limit: inner.width, style: .dim)
    }

    /// Where the terminal cursor goes while the draft is open.
    var draftCursorPosition: (x: Int, y: Int)? {
        guard let draft = broadcastPane.draft, let layout = ConsoleLayout(width: width, height: height) else { return nil }
        let inner = draftRect(draft, layout: layout).inset(1)
        let (row, column) = draftCursor(draft, columns: inner.width)
        let rows = max(draftRows(draft.editor.text, columns: inner.width).count, row + 1)
        let shown = inner.height - 1
        let first = max(0, min(row - shown + 1, rows - shown))
        return (inner.x + column, inner.y + row - first)
    }

    /// The draft's text broken into rows of at most `columns` columns, at blanks where it can: ranges of characters.
    func draftRows(_ text: String, columns: Int) -> [Range<Int>] {
        let characters = Array(text)
        guard columns > 1, !characters.isEmpty else { return [0..<characters.count] }
        var rows: [Range<Int>] = []
        var start = 0, used = 0, lastBlank: Int?
        var i = 0
        while i < characters.count {
            let w = TextWidth.columns(String(characters[i]))
            if used + w > columns, characters[i] == " " {
                // A blank where the row is full ends the row; the next starts after it.
                rows.append(start..<(i + 1))
                start = i + 1
                used = 0
                lastBlank = nil
                i += 1
                continue
            }
            if used + w > columns {
                // Break after the last blank on the row, or at the edge when a word is longer than a row.
                let end = lastBlank.map { $0 + 1 } ?? i
                rows.append(start..<end)
                start = end
                used = characters[start..<i].reduce(0) { $0 + TextWidth.columns(String($1)) }
                lastBlank = nil
                continue
            }
            if characters[i] == " " { lastBlank = i }
            used += w
            i += 1
        }
        rows.append(start..<characters.count)
        return rows
    }

    /// The cursor's row and column in the wrapped draft; at the end of a full row it moves to the next row.
    func draftCursor(_ draft: BroadcastDraftState, columns: Int) -> (row: Int, column: Int) {
        let characters = Array(draft.editor.text)
        let rows = draftRows(draft.editor.text, columns: columns)
        let cursor = draft.editor.cursor
        for (index, range) in rows.enumerated() where cursor < range.upperBound || index == rows.count - 1 {
            let column = characters[range.lowerBound..<min(cursor, range.upperBound)].reduce(0) { $0 + TextWidth.columns(String($1)) }
            if column >= columns { return (index + 1, 0) }
            return (index, column)
        }
        return (0, 0)
    }
}
