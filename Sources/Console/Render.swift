import Foundation
import IncidentCore

/// A run of text in one style; a view line is a list of them.
typealias Span = (text: String, style: Style)

/// How the console draws severities, update urgency and focus. Every style carries an attribute,
/// so the meaning survives a terminal without colour.
enum Palette {
    static func severity(_ severity: Severity) -> Style {
        switch severity {
        case .l1: Style(foreground: .red, attributes: [.bold, .reverse])
        case .l2: Style(foreground: .yellow, attributes: [.bold, .reverse])
        case .l3: Style(foreground: .cyan, attributes: [.bold])
        case .l4: Style(foreground: .green)
        }
    }

    static let overdue = Style(foreground: .red, attributes: [.bold, .reverse])
    static let dueSoon = Style(foreground: .yellow, attributes: [.bold])
    static let drill = Style(foreground: .magenta, attributes: [.bold, .underline])
    static let error = Style(foreground: .red, attributes: [.bold])
    static let heading = Style(attributes: [.bold])
    static let focusedTitle = Style(attributes: [.bold, .reverse])
    static let selection = Attributes.reverse

    static func kind(_ kind: EventKind) -> Style {
        switch kind {
        case .declared, .decision: Style(attributes: [.bold])
        case .state, .severity: Style(foreground: .yellow, attributes: [.bold])
        case .broadcast: Style(foreground: .green)
        case .delivery: Style(foreground: .green, attributes: [.dim])
        case .correction: Style(foreground: .cyan)
        case .postmortem: Style(attributes: [.bold])
        case .runbook, .step: Style(foreground: .magenta)
        case .page: Style(foreground: .yellow)
        case .ack: Style(foreground: .green, attributes: [.bold])
        case .note, .action, .role: .plain
        case .handoff: Style(foreground: .yellow)
        case .inject: inject
        case .drill: drillEntry
        }
    }
}

extension ConsoleModel {
    /// Draws the whole screen at the current size.
    public func render() -> CellBuffer {
        var buffer = CellBuffer(width: width, height: height)
        guard let layout = ConsoleLayout(width: width, height: height) else {
            drawTooSmall(&buffer)
            return buffer
        }
        drawHeader(&buffer, layout.header)
        drawStatus(&buffer, layout.status)
        drawChecklist(&buffer, layout.checklist)
        drawContacts(&buffer, layout.contacts)
        drawTimeline(&buffer, layout.timeline)
        drawMessage(&buffer, layout.message)
        drawCommandLine(&buffer, layout.command)
        switch overlay {
        case .help(let scroll): drawHelp(&buffer, scroll: scroll)
        case .picker(let highlighted): drawPicker(&buffer, highlighted: highlighted)
        case .stepDetail(let detail): drawStepDetail(&buffer, detail)
        case .scoreCard(let card): drawScoreCard(&buffer, card)
        case .confirmQuit, .confirmPage, .confirmEndDrill, nil: break
        }
        drawBroadcastDraft(&buffer)
        return buffer
    }

    // MARK: Frame parts

    private func drawTooSmall(_ buffer: inout CellBuffer) {
        let text = "Terminal too small: \(width)×\(height) — Warroom needs at least "
            + "\(ConsoleLayout.minimumWidth)×\(ConsoleLayout.minimumHeight)"
        for (row, line) in TextWrap.wrap(text, columns: width).prefix(height).enumerated() {
            buffer.put(line, x: 0, y: row)
        }
    }

    /// `INC-1 Title ……  L2  investigating  elapsed 12m 03s  next update 2:57  DRILL T+12m 600×`: the facts on
    /// the right are fixed, the title takes what is left.
    private func drawHeader(_ buffer: inout CellBuffer, _ rect: Rect) {
        guard let view = current else {
            let x = buffer.put("Warroom", x: rect.x, y: rect.y, style: .bold)
            buffer.put("  no incident — declare one with /declare L2 Title", x: rect.x + x, y: rect.y, style: .dim)
            return
        }
        let state = view.state
        let gap = 2
        var facts = headerFacts(state, labelled: true)
        var factsWidth = facts.reduce(0) { $0 + TextWidth.columns($1.text) } + gap * (facts.count - 1)
        // The title gives way first; when not even a short one is left (a drill's badge is long), the labels go,
        // so that every fact and the DRILL badge stay on an 80-column header.
        if TextWidth.columns(state.id) + 1 + Self.shortestTitle + gap + factsWidth > rect.width {
            facts = headerFacts(state, labelled: false)
            factsWidth = facts.reduce(0) { $0 + TextWidth.columns($1.text) } + gap * (facts.count - 1)
        }
        var x = max(rect.x, rect.maxX - factsWidth)
        for (index, fact) in facts.enumerated() {
            if index > 0 { x += gap }
            x += buffer.put(fact.text, x: x, y: rect.y, limit: rect.maxX - x, style: fact.style)
        }
        let factsStart = max(rect.x, rect.maxX - factsWidth)
        let idWidth = buffer.put(state.id, x: rect.x, y: rect.y, limit: factsStart - rect.x, style: .bold)
        let titleStart = rect.x + idWidth + 1
        buffer.put(state.title, x: titleStart, y: rect.y, limit: factsStart - gap - titleStart)
    }

    /// The header keeps at least this much title before it shortens its labels.
    static let shortestTitle = 12

    /// Severity, lifecycle, elapsed time, the update countdown and the drill badge; without labels, `elapsed` goes
    /// and `next update` becomes `update`.
    private func headerFacts(_ state: IncidentState, labelled: Bool) -> [Span] {
        let elapsed = DurationText.short(state.elapsed(now: now))
        var facts: [Span] = [
            (state.severity.rawValue, Palette.severity(state.severity)),
            (state.lifecycle.rawValue, .bold),
            (labelled ? "elapsed \(elapsed)" : elapsed, .plain),
        ]
        if let update = state.statusUpdateClock(now: now, policy: policy) {
            let next = "\(labelled ? "next update" : "update") \(DurationText.clock(update.remaining))"
            switch update.urgency {
            case .overdue: facts.append(("OVERDUE +\(DurationText.clock(-update.remaining))", Palette.overdue))
            case .dueSoon: facts.append((next, Palette.dueSoon))
            case .scheduled: facts.append((next, .plain))
            }
        }
        if let badge = drillBadge(state) { facts.append(badge) }
        if let unreachable = storeHealth.headerText { facts.insert((unreachable, Palette.overdue), at: 0) }
        return facts
    }

    private func drawPane(_ buffer: inout CellBuffer, _ rect: Rect, title: String, focused: Bool) {
        buffer.box(rect, title: title, style: focused ? .bold : .plain,
                   titleStyle: focused ? Palette.focusedTitle : Palette.heading)
    }

    private func drawLines(_ buffer: inout CellBuffer, _ lines: ArraySlice<[Span]>, in rect: Rect) {
        for (row, line) in lines.prefix(rect.height).enumerated() {
            drawSpans(&buffer, line, x: rect.x, y: rect.y + row, limit: rect.width)
        }
    }

    /// Writes spans one after another; the span that overflows ends in `…`.
    @discardableResult
    private func drawSpans(_ buffer: inout CellBuffer, _ spans: [Span], x: Int, y: Int, limit: Int) -> Int {
        var used = 0
        for span in spans where used < limit {
            used += buffer.put(span.text, x: x + used, y: y, limit: limit - used, style: span.style)
        }
        return used
    }

    // MARK: Status pane

    private func drawStatus(_ buffer: inout CellBuffer, _ rect: Rect) {
        drawPane(&buffer, rect, title: "Status", focused: focus == .status)
        let inner = rect.inset(1)
        guard let view = current else {
            let lines: [[Span]] = [
                [("No incident yet.", .bold)],
                [("Declare one by typing", .plain)],
                [("  /declare L2 Title", .bold)],
            ]
            drawLines(&buffer, lines[...], in: inner)
            return
        }
        let lines = statusLines(view, width: inner.width)
        let scroll = min(view.statusScroll, max(0, lines.count - inner.height))
        drawLines(&buffer, lines[scroll...], in: inner)
        if scroll + inner.height < lines.count {
            buffer.put(" ↓ more ", x: rect.maxX - 9, y: rect.maxY - 1, style: .dim)
        }
    }

    /// Impact, state, the current summary, roles with holders and the key times: what an IC reads first comes first.
    func statusLines(_ view: IncidentView, width: Int) -> [[Span]] {
        let state = view.state
        let withDate = view.spansMidnight(now: now, clock: clock)
        var lines: [[Span]] = []
        lines += labelled("Impact", state.impact ?? "not stated", style: state.impact == nil ? .dim : .plain, width: width)

        var since = " since \(clock.minute(state.enteredAt(state.lifecycle) ?? state.declaredAt, withDate: withDate))"
        if let monitored = state.monitoredFor(now: now), policy.monitoredSeverities.contains(state.severity) {
            since += ", monitored \(DurationText.short(monitored)) of \(DurationText.short(policy.monitoringPeriod.seconds))"
        }
        lines.append([(state.lifecycle.rawValue, Palette.heading), (since, .plain)])

        if let summary = view.summary {
            let label = summary.kind == .decision ? "decision" : "status update"
            let text = "\(clock.minute(summary.occurredAt, withDate: withDate)) \(label): \(view.displayText(of: summary).text)"
            lines += labelled("Latest", text, style: .plain, width: width)
        } else {
            lines += labelled("Latest", "nothing decided yet", style: .dim, width: width)
        }
        lines += nextStepLines(view, width: width)
        lines += deliveryLines(view, width: width)
        lines += drillStatusLines(view, width: width)

        lines.append([("Roles", Palette.heading)])
        let roles = Role.standard + Set(state.roles.keys).union(state.handoffs.keys).filter { !Role.standard.contains($0) }.sorted()
        let longNames = roles.map(Role.displayName)
        let longWidth = longNames.map(TextWidth.columns).max() ?? 0
        // Full role names when they leave room for a holder's name; the short keys otherwise.
        let names = 2 + longWidth + 2 + 10 <= width ? longNames : roles
        let nameWidth = names.map(TextWidth.columns).max() ?? 0
        for (role, name) in zip(roles, names) {
            let handedOut = role == Role.commander || state.roles[role] != nil
            var line: [Span] = [("  " + fit(name, nameWidth) + "  ", .plain), (state.holder(of: role), .plain)]
            if !handedOut { line.append((" (IC)", .dim)) }
            if let pending = state.handoffs[role] {
                // Until the new holder accepts, the role is still the old holder's: say who it waits on, and how long.
                line.append((" → \(pending.to)? \(DurationText.short(max(0, now.timeIntervalSince(pending.offeredAt))))", Palette.dueSoon))
            }
            lines.append(line)
        }

        lines.append([("Key times", Palette.heading)])
        var times: [(String, Date)] = [("first signal", state.firstSignalAt), ("declared", state.declaredAt)]
        times += state.lifecycleHistory.dropFirst().map { ($0.state.rawValue, $0.since) }
        let labelWidth = times.map { TextWidth.columns($0.0) }.max() ?? 0
        for (label, date) in times {
            lines.append([("  " + fit(label, labelWidth) + "  ", .plain), (clock.minute(date, withDate: withDate), .plain)])
        }
        return lines
    }

    /// `Label   text` with the text wrapped under itself.
    private func labelled(_ label: String, _ text: String, style: Style, width: Int) -> [[Span]] {
        let indent = 8
        return TextWrap.wrap(text, columns: width - indent).enumerated().map { index, part in
            [(index == 0 ? fit(label, indent) : String(repeating: " ", count: indent), Palette.heading), (part, style)]
        }
    }

    // MARK: Timeline pane

    private func drawTimeline(_ buffer: inout CellBuffer, _ rect: Rect) {
        let focused = focus == .timeline && overlay == nil
        drawPane(&buffer, rect, title: "Timeline", focused: focus == .timeline)
        let inner = rect.inset(1)
        guard let view = current else {
            buffer.put("No entries.", x: inner.x, y: inner.y, limit: inner.width, style: .dim)
            return
        }
        let top = view.timelineTop(height: inner.height)
        let withDate = view.spansMidnight(now: now, clock: clock)
        let idWidth = "#\(view.state.lastEventID)".count
        let actorWidth = min(12, max(1, view.widestActor))
        let end = min(view.entries.count, top + inner.height)
        for (row, index) in (top..<end).enumerated() {
            let entry = view.entries[index]
            let (text, corrected) = view.displayText(of: entry)
            var spans: [Span] = [
                (String(repeating: " ", count: max(0, idWidth - "#\(entry.id)".count)) + "#\(entry.id) ", .dim),
                (clock.time(entry.occurredAt, withDate: withDate), .plain),
                (entry.isBackdated ? "*" : " ", .bold),
                (" " + fit(Self.kindLabel(entry.kind), 8) + " ", Palette.kind(entry.kind)),
                // The drill's own entries (injects, and the pages they send) are marked as scripted.
                (fit(entry.actor, actorWidth) + " ", entry.actor == DrillScoreCard.actor ? Palette.drill : .plain),
            ]
            if corrected { spans.append(("(corrected) ", .bold)) }
            spans.append((text, entry.kind == .inject ? .bold : .plain))
            let y = inner.y + row
            if focused && index == view.selected {
                buffer.fill(Rect(x: inner.x, y: y, width: inner.width, height: 1), style: .reverse)
                spans = spans.map { ($0.text, Style(foreground: $0.style.foreground, background: $0.style.background,
                                                    attributes: $0.style.attributes.union(Palette.selection))) }
            }
            drawSpans(&buffer, spans, x: inner.x, y: y, limit: inner.width)
        }
        let newer = view.entries.count - end
        if newer > 0 {
            let label = " ↓ \(newer) newer "
            buffer.put(label, x: rect.maxX - 1 - TextWidth.columns(label), y: rect.maxY - 1, style: .bold)
        }
    }

    /// Kind names fit an eight-column field.
    static func kindLabel(_ kind: EventKind) -> String {
        switch kind {
        case .correction: "correct"
        case .broadcast: "update"
        case .postmortem: "postmort"
        case .inject: "INJECT"
        default: kind.rawValue
        }
    }

    // MARK: Bottom rows

    private func drawMessage(_ buffer: inout CellBuffer, _ rect: Rect) {
        if case .confirmQuit(let id) = overlay {
            buffer.put("Quit while \(id) is active? y/n", x: rect.x, y: rect.y, limit: rect.width, style: Palette.overdue)
        } else if case .confirmEndDrill(let id) = overlay {
            drawEndDrillConfirmation(&buffer, rect, id)
        } else if case .confirmPage(let confirmation) = overlay {
            drawPageConfirmation(&buffer, rect, confirmation)
        } else if let notice {
            // A refusal says what is legal instead, so it is never cut: long ones grow upwards over the timeline.
            let rows = TextWrap.wrap(notice.text, columns: rect.width).prefix(Self.maxMessageRows)
            let top = rect.y - (rows.count - 1)
            buffer.fill(Rect(x: rect.x, y: top, width: rect.width, height: rows.count))
            for (row, text) in rows.enumerated() {
                buffer.put(text, x: rect.x, y: top + row, limit: rect.width, style: notice.isError ? Palette.error : .plain)
            }
        } else {
            let hint = focus == .commandLine
                ? "Enter records a note · /help lists commands · Esc or Tab to the panes · F1 help"
                : "? help · / or : command line · Tab next pane · i incidents · q quit"
            buffer.put(hint, x: rect.x, y: rect.y, limit: rect.width, style: .dim)
        }
    }

    /// The most rows a message may take; the timeline above gives them up while it is shown.
    static let maxMessageRows = 4

    /// The editable part of the command row, after the prompt.
    func commandField(_ rect: Rect) -> Rect {
        Rect(x: rect.x + 2, y: rect.y, width: rect.width - 2, height: 1)
    }

    private func drawCommandLine(_ buffer: inout CellBuffer, _ rect: Rect) {
        let focused = focus == .commandLine && overlay == nil
        buffer.put(">", x: rect.x, y: rect.y, style: focused ? .bold : .dim)
        let field = commandField(rect)
        let window = editor.window(columns: field.width)
        let style: Style = focused ? .plain : .dim
        var x = field.x
        if window.clipped { x += buffer.put("…", x: x, y: field.y, style: .dim) }
        buffer.put(window.text, x: x, y: field.y, limit: field.maxX - x, style: style)
    }

    // MARK: Overlays

    var helpRect: Rect {
        let w = min(width - 4, 100)
        return Rect(x: (width - w) / 2, y: 1, width: w, height: height - 2)
    }

    private func drawHelp(_ buffer: inout CellBuffer, scroll: Int) {
        let rect = helpRect
        buffer.fill(rect)
        buffer.box(rect, title: "Help: keys and commands (Esc closes)", style: .bold, titleStyle: Palette.focusedTitle)
        let inner = rect.inset(1)
        let lines = helpLines(width: inner.width)
        drawLines(&buffer, lines[min(scroll, lines.count)...], in: inner)
        if scroll + inner.height < lines.count {
            buffer.put(" ↓ j/k scroll ", x: rect.maxX - 15, y: rect.maxY - 1, style: .bold)
        }
    }

    /// The overlay's lines: every key-table binding by scope, then every slash command, then the timeline marks.
    func helpLines(width: Int) -> [[Span]] {
        var lines: [[Span]] = []
        let keyLabels = KeyTable.bindings.map { $0.keys.map(\.label).joined(separator: ", ") }
        let keyWidth = keyLabels.map(TextWidth.columns).max() ?? 0
        for scope in KeyScope.allCases {
            lines.append([(scope.rawValue, Palette.heading)])
            for (binding, label) in zip(KeyTable.bindings, keyLabels) where binding.scope == scope {
                lines += twoColumns(label, binding.help, leftWidth: keyWidth, width: width)
            }
            if scope == .commandLine {
                lines += twoColumns("any text", "typed at the cursor", leftWidth: keyWidth, width: width)
            }
            lines.append([])
        }
        lines.append([("Slash commands", Palette.heading)])
        let usageWidth = SlashCommand.allCases.map { TextWidth.columns($0.usage) }.max() ?? 0
        for command in SlashCommand.allCases {
            lines += twoColumns(command.usage, command.help, leftWidth: usageWidth, width: width)
        }
        lines.append([])
        lines.append([("Timeline marks", Palette.heading)])
        lines += twoColumns("*", "backdated: it happened earlier than it was written down", leftWidth: 11, width: width)
        lines += twoColumns("(corrected)", "shows the latest correction; the original stays in the log", leftWidth: 11, width: width)
        return lines
    }

    /// A help row: the left column padded, the right wrapped beside it, or below it when the left is too wide.
    private func twoColumns(_ left: String, _ right: String, leftWidth: Int, width: Int) -> [[Span]] {
        let indent = 2
        if indent + leftWidth + 2 + 20 <= width {
            let wrapped = TextWrap.wrap(right, columns: width - indent - leftWidth - 2)
            let pad = String(repeating: " ", count: indent + leftWidth + 2)
            return wrapped.enumerated().map { index, part in
                index == 0 ? [("  " + fit(left, leftWidth) + "  ", Palette.heading), (part, .plain)] : [(pad + part, .plain)]
            }
        }
        return [[("  " + left, Palette.heading)]] + TextWrap.wrap(right, columns: width - 6).map { [("      " + $0, .plain)] }
    }

    private func drawPicker(_ buffer: inout CellBuffer, highlighted: IncidentID?) {
        let order = pickerOrder
        let w = min(width - 8, 76)
        let h = min(height - 4, max(1, order.count) + 2)
        let rect = Rect(x: (width - w) / 2, y: (height - h) / 2, width: w, height: h)
        buffer.fill(rect)
        buffer.box(rect, title: "Incidents: Enter shows, Esc closes", style: .bold, titleStyle: Palette.focusedTitle)
        let inner = rect.inset(1)
        guard !order.isEmpty else {
            buffer.put("No incidents. Declare one: /declare L2 Title", x: inner.x, y: inner.y, limit: inner.width, style: .dim)
            return
        }
        let index = highlighted.flatMap { order.firstIndex(of: $0) } ?? 0
        let top = max(0, index - inner.height + 1)
        let idWidth = order.map(TextWidth.columns).max() ?? 0
        for (row, id) in order[top...].prefix(inner.height).enumerated() {
            let state = incidents[id]!.state
            var spans: [Span] = [
                (fit(id, idWidth) + "  ", .bold),
                (state.severity.rawValue, Palette.severity(state.severity)),
                ("  " + fit(state.lifecycle.rawValue, 13) + "  ", .plain),
                (state.title, .plain),
            ]
            if state.isDrill { spans.insert(("DRILL ", Palette.drill), at: 3) }
            let y = inner.y + row
            if id == highlighted {
                buffer.fill(Rect(x: inner.x, y: y, width: inner.width, height: 1), style: .reverse)
                spans = spans.map { ($0.text, Style(foreground: $0.style.foreground, background: $0.style.background,
                                                    attributes: $0.style.attributes.union(Palette.selection))) }
            }
            drawSpans(&buffer, spans, x: inner.x, y: y, limit: inner.width)
        }
    }
}

/// Pads text with blanks to exactly `columns` columns, or cuts it to fit ending in `…`.
func fit(_ text: String, _ columns: Int) -> String {
    let used = TextWidth.columns(text)
    if used <= columns { return text + String(repeating: " ", count: columns - used) }
    guard columns > 0 else { return "" }
    let cut = TextWidth.prefix(text, columns: columns - 1) + "…"
    return cut + String(repeating: " ", count: columns - TextWidth.columns(cut))
}

/// Word wrapping by display columns; text without blanks (CJK) breaks between characters.
enum TextWrap {
    static func wrap(_ text: String, columns: Int) -> [String] {
        guard columns > 0 else { return [] }
        var lines: [String] = []
        var line = ""
        var used = 0
        for word in text.split(separator: " ") {
            let w = TextWidth.columns(String(word))
            if used > 0, used + 1 + w <= columns {
                line += " " + word
                used += 1 + w
                continue
            }
            if used > 0 {
                lines.append(line)
                line = ""
                used = 0
            }
            for ch in word {
                let cw = TextWidth.columns(String(ch))
                if used > 0, used + cw > columns {
                    lines.append(line)
                    line = ""
                    used = 0
                }
                line.append(ch)
                used += cw
            }
        }
        if used > 0 || lines.isEmpty { lines.append(line) }
        return lines
    }
}
