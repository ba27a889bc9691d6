import Foundation
import IncidentCore

/// The checklist pane's own state: the runbooks that can be attached by name, and the step selected in each incident.
struct ChecklistCursor: Sendable {
    /// Runbooks without problems, as the runner loaded them; `/runbook ID` attaches from these.
    var available: [Runbook] = []
    /// Whether the runner has reported its runbooks yet.
    var loaded = false
    /// Per incident, the selected step as `runbook:step`, so new entries never move the selection.
    var selected: [IncidentID: String] = [:]
}

/// The step shown in the details overlay.
struct StepDetailOverlay: Sendable, Equatable {
    var incident: IncidentID
    var step: String
    var scroll: Int
}

extension ConsoleModel {
    // MARK: Messages

    /// The runner read the runbooks: usable ones become attachable; problems are said once on the message line.
    mutating func runbooksLoaded(_ runbooks: [Runbook], problems: [String]) {
        let reloaded = checklist.loaded && checklist.available != runbooks
        checklist.available = runbooks
        checklist.loaded = true
        guard let first = problems.first else {
            // Attached runbooks keep the version they were attached with; only new attaches use the edited files.
            if reloaded { notice = ConsoleNotice(text: "runbooks changed: \(runbooks.count) can be attached", isError: false) }
            return
        }
        let count = problems.count == 1 ? "1 runbook problem" : "\(problems.count) runbook problems"
        notice = ConsoleNotice(text: "\(count); runbooks with problems are not attached (warroom runbook lint): \(first)",
                               isError: true)
    }

    // MARK: Selection

    /// Every step of the shown incident's runbooks, in pane order.
    func checklistSteps(_ view: IncidentView) -> [ChecklistStep] {
        view.state.checklists(now: now).flatMap(\.steps)
    }

    /// The selected step: the one chosen, else the first runbook's step in progress, else its first step.
    func selectedStep(_ view: IncidentView, in steps: [ChecklistStep]) -> ChecklistStep? {
        if let chosen = checklist.selected[view.id], let step = steps.first(where: { $0.qualifiedID == chosen }) { return step }
        return steps.first { $0.status == .inProgress } ?? steps.first
    }

    /// Moves the checklist selection; large deltas go to the ends.
    mutating func moveChecklist(by delta: Int) {
        guard let view = current else { return }
        let steps = checklistSteps(view)
        guard let selected = selectedStep(view, in: steps), let index = steps.firstIndex(of: selected) else { return }
        let target = min(max(0, index.addingReportingOverflow(delta).partialValue), steps.count - 1)
        checklist.selected[view.id] = steps[target].qualifiedID
    }

    /// The checklist's page: its rows less one, counting two rows a step when the pane is narrow.
    var checklistPage: Int {
        guard let rect = ConsoleLayout(width: width, height: height)?.checklist.inset(1) else { return 1 }
        return max(1, (Self.isNarrowChecklist(rect.width) ? rect.height / 2 : rect.height) - 1)
    }

    // MARK: Keys

    /// Space, `s`, `u` and Enter on the checklist pane.
    mutating func performChecklist(_ action: KeyAction) -> [ConsoleEffect] {
        guard let view = current else { return refuse("no incident: declare one with /declare L2 Title") }
        let steps = checklistSteps(view)
        guard let step = selectedStep(view, in: steps) else {
            return refuse("\(view.id) has no runbook attached; /runbook ID attaches one")
        }
        let command: IncidentCommand
        switch action {
        case .showStep:
            overlay = .stepDetail(StepDetailOverlay(incident: view.id, step: step.qualifiedID, scroll: 0))
            return []
        case .skipStep:
            // The reason is typed on the command line, where it can be edited and backdated like any entry.
            if let closure = step.closure {
                return refuse(RuleError.runbook(.alreadyClosed(step.qualifiedID, closure.action, at: closure.at, by: closure.by)).description)
            }
            editor.set("/step skip \(step.qualifiedID) ")
            setFocus(.commandLine)
            selectStep(after: step, in: steps, of: view)
            notice = ConsoleNotice(text: "Type why step \(step.step.number) is skipped, then Enter (Esc cancels)", isError: false)
            return []
        case .checkStep:
            command = .runbook(.check(step.qualifiedID))
        case .undoStep:
            command = .runbook(.undo(step.qualifiedID, reason: nil))
        default:
            return []
        }
        checklist.selected[view.id] = step.qualifiedID
        guard let effect = checked(command, on: view, at: now) else { return [] }
        notice = nil
        // Like ticking a paper list: after a check the cursor is on the next step; after an undo it stays put.
        if action == .checkStep { selectStep(after: step, in: steps, of: view) }
        return [effect]
    }

    private mutating func selectStep(after step: ChecklistStep, in steps: [ChecklistStep], of view: IncidentView) {
        guard let index = steps.firstIndex(of: step) else { return }
        checklist.selected[view.id] = steps[min(index + 1, steps.count - 1)].qualifiedID
    }

    /// Keys while the step details are open: scroll, or close.
    mutating func performInStepDetail(_ action: KeyAction, _ detail: StepDetailOverlay) {
        if action == .dismiss || action == .showStep {
            overlay = nil
            return
        }
        var detail = detail
        let inner = stepDetailRect.inset(1)
        detail.scroll = Self.scrolled(detail.scroll, by: action, rows: inner.height,
                                      total: stepDetailLines(detail, width: inner.width).count)
        overlay = .stepDetail(detail)
    }

    /// Where a scrolling overlay of `total` rows, `rows` of them visible, lands after a movement key.
    static func scrolled(_ scroll: Int, by action: KeyAction, rows: Int, total: Int) -> Int {
        let rows = max(1, rows)
        let moved = switch action {
        case .moveUp: scroll - 1
        case .moveDown: scroll + 1
        case .pageUp: scroll - (rows - 1)
        case .pageDown: scroll + (rows - 1)
        default: scroll
        }
        return min(max(0, moved), max(0, total - rows))
    }

    // MARK: Commands

    /// `/runbook ID`: attach by hand, from the runbooks the runner loaded.
    mutating func submitAttach(_ name: String, at: Date?) -> [ConsoleEffect] {
        guard let view = current else { return refuse("no incident to attach to: declare one with /declare L2 Title") }
        let wanted = name.trimmingCharacters(in: .whitespaces).lowercased()
        guard let runbook = checklist.available.first(where: { $0.id == wanted }) else {
            let known = checklist.available.map(\.id)
            return refuse("no runbook \(name)" + (known.isEmpty ? " (no runbooks are loaded)" : "; available: \(known.joined(separator: ", "))"))
        }
        guard let effect = checked(.runbook(.attach(runbook)), on: view, at: at ?? now) else { return [] }
        accept()
        return [effect]
    }

    // MARK: Drawing

    static func isNarrowChecklist(_ width: Int) -> Bool { width < 44 }

    /// The pane: the attached runbooks' phases and steps, or what to do when there are none.
    func drawChecklist(_ buffer: inout CellBuffer, _ rect: Rect) {
        let focused = focus == .checklist
        let count = current?.state.runbooks.attached.count ?? 0
        buffer.box(rect, title: count > 1 ? "Runbooks" : "Runbook", style: focused ? .bold : .plain,
                   titleStyle: focused ? Palette.focusedTitle : Palette.heading)
        let inner = rect.inset(1)
        guard inner.width > 0, inner.height > 0 else { return }
        guard let view = current, count > 0 else {
            buffer.put("No runbook attached.", x: inner.x, y: inner.y, limit: inner.width, style: .dim)
            if current != nil, !checklist.available.isEmpty, inner.height > 1 {
                let ids = checklist.available.map(\.id).joined(separator: " ")
                let lines = TextWrap.wrap("/runbook ID attaches one: \(ids)", columns: inner.width)
                for (row, line) in lines.prefix(inner.height - 1).enumerated() {
                    buffer.put(line, x: inner.x, y: inner.y + 1 + row, limit: inner.width, style: .dim)
                }
            }
            return
        }
        let (plans, columns) = checklistPlan(view, width: inner.width)
        let selectedRow = plans.firstIndex {
            if case .step(let step, _) = $0 { return step.qualifiedID == columns.selected }
            return false
        } ?? 0
        // The selection sits a third of the way down, so the steps after it (what comes next) stay in view.
        let top = max(0, min(selectedRow - inner.height / 3, plans.count - inner.height))
        let showSelection = focused && overlay == nil
        for (offset, plan) in plans[top...].prefix(inner.height).enumerated() {
            let row = checklistRow(plan, columns)
            let y = inner.y + offset
            var spans = row.spans
            if showSelection && row.isSelected {
                buffer.fill(Rect(x: inner.x, y: y, width: inner.width, height: 1), style: .reverse)
                spans = spans.map { ($0.text, Style(foreground: $0.style.foreground, background: $0.style.background,
                                                    attributes: $0.style.attributes.union(Palette.selection))) }
            }
            var used = 0
            for span in spans where used < inner.width {
                used += buffer.put(span.text, x: inner.x + used, y: y, limit: inner.width - used, style: span.style)
            }
            if let right = row.right, inner.width - used >= TextWidth.columns(right.text) + 1 {
                let w = TextWidth.columns(right.text)
                var style = right.style
                if showSelection && row.isSelected { style.attributes.formUnion(Palette.selection) }
                buffer.put(right.text, x: inner.maxX - w, y: y, style: style)
            }
        }
        if top > 0 { buffer.put(" ↑ ", x: rect.maxX - 4, y: rect.y, style: .bold) }
        if top + inner.height < plans.count { buffer.put(" ↓ ", x: rect.maxX - 4, y: rect.maxY - 1, style: .bold) }
    }

    /// One pane row: spans from the left, an optional right-aligned time, and whether it belongs to the selected step.
    struct ChecklistRow {
        var spans: [Span]
        var right: Span?
        var isSelected: Bool
    }

    /// What a row shows, before its text is laid out: only the rows on screen are laid out.
    enum ChecklistRowPlan {
        case runbook(RunbookChecklist)
        case phase(ChecklistPhase)
        /// `ownerLine`: the second row a narrow pane gives a step, for its owner and time.
        case step(ChecklistStep, ownerLine: Bool)
    }

    /// The columns every step row shares, so owners and times line up down the pane.
    struct ChecklistColumns {
        var width: Int
        var narrow: Bool
        var numberWidth: Int
        var ownerWidth: Int
        var timeWidth: Int
        var selected: String?
    }

    /// The rows for every attached runbook. Wide panes give a step one row (mark, number, text, owner, time);
    /// narrow ones give it a second row for the owner and the time, which matter more than the end of the text.
    func checklistPlan(_ view: IncidentView, width: Int) -> ([ChecklistRowPlan], ChecklistColumns) {
        let checklists = view.state.checklists(now: now)
        let all = checklists.flatMap(\.steps)
        let narrow = Self.isNarrowChecklist(width)
        let columns = ChecklistColumns(
            width: width, narrow: narrow,
            numberWidth: String(all.map(\.step.number).max() ?? 1).count,
            ownerWidth: min(10, all.compactMap { $0.step.owner.map { TextWidth.columns($0) + 1 } }.max() ?? 0),
            timeWidth: all.compactMap { Self.timeSpan($0).map { TextWidth.columns($0.text) } }.max() ?? 0,
            selected: selectedStep(view, in: all)?.qualifiedID)
        var plans: [ChecklistRowPlan] = []
        for list in checklists {
            plans.append(.runbook(list))
            for phase in list.phases {
                plans.append(.phase(phase))
                for step in phase.steps {
                    plans.append(.step(step, ownerLine: false))
                    if narrow, step.step.owner != nil || Self.timeSpan(step) != nil { plans.append(.step(step, ownerLine: true)) }
                }
            }
        }
        return (plans, columns)
    }

    /// Lays out one planned row.
    func checklistRow(_ plan: ChecklistRowPlan, _ c: ChecklistColumns) -> ChecklistRow {
        switch plan {
        case .runbook(let list):
            let closed = list.doneCount + list.skippedCount
            return ChecklistRow(spans: [(list.attached.runbook.id, Palette.heading)],
                                right: ("\(closed)/\(list.steps.count)", closed == list.steps.count ? .dim : .bold), isSelected: false)
        case .phase(let phase):
            let finished = phase.steps.allSatisfy { !$0.isOpen }
            return ChecklistRow(spans: [(phase.title, finished ? .dim : Palette.heading)], right: nil, isSelected: false)
        case .step(let step, let ownerLine):
            let isSelected = step.qualifiedID == c.selected
            let time = Self.timeSpan(step)
            let owner = step.step.owner.map { "@" + $0 }
            if ownerLine {
                var spans: [Span] = [(String(repeating: " ", count: 3 + c.numberWidth + 2), .plain)]
                if let owner { spans.append((owner, .plain)) }
                return ChecklistRow(spans: spans, right: time, isSelected: isSelected)
            }
            let number = String(repeating: " ", count: c.numberWidth - String(step.step.number).count) + "\(step.step.number)"
            let textStyle: Style = switch step.status {
            case .done, .skipped: .dim
            case .inProgress: .bold
            case .todo: .plain
            }
            var spans: [Span] = [(Self.mark(step.status), Self.markStyle(step.status)), (" \(number) ", .dim)]
            if c.narrow {
                spans.append((step.step.text, textStyle))
                return ChecklistRow(spans: spans, right: nil, isSelected: isSelected)
            }
            let ownerColumn = c.ownerWidth > 0 ? c.ownerWidth + 1 : 0
            let timeColumn = c.timeWidth > 0 ? c.timeWidth + 1 : 0
            let textWidth = max(1, c.width - 3 - c.numberWidth - 2 - ownerColumn - timeColumn)
            spans.append((fit(step.step.text, textWidth), textStyle))
            if c.ownerWidth > 0 { spans.append((" " + fit(owner ?? "", c.ownerWidth), .plain)) }
            return ChecklistRow(spans: spans, right: time, isSelected: isSelected)
        }
    }

    /// Every row laid out (for tests and tools; drawing lays out only what is on screen).
    func checklistRows(_ view: IncidentView, width: Int) -> [ChecklistRow] {
        let (plans, columns) = checklistPlan(view, width: width)
        return plans.map { checklistRow($0, columns) }
    }

    static func mark(_ status: StepStatus) -> String {
        switch status {
        case .done: "[x]"
        case .skipped: "[-]"
        case .inProgress: "[>]"
        case .todo: "[ ]"
        }
    }

    static func markStyle(_ status: StepStatus) -> Style {
        switch status {
        case .done: Style(foreground: .green, attributes: [.bold])
        case .skipped: Style(foreground: .yellow)
        case .inProgress: Style(foreground: .cyan, attributes: [.bold])
        case .todo: .plain
        }
    }

    /// `12m/10m` while it runs (loud when over), `3m/5m` once done (red when it overran), `5m` for a phase not
    /// started yet, nothing for a skipped step.
    static func timeSpan(_ step: ChecklistStep) -> Span? {
        let box = step.step.timeboxSeconds.map { DurationText.compact(Double($0)) }
        guard let elapsed = step.elapsed else { return box.map { ($0, .dim) } }
        if step.status == .skipped { return nil }
        let text = box.map { "\(DurationText.compact(elapsed))/\($0)" } ?? DurationText.compact(elapsed)
        if step.isOpen { return (text, step.isOverTimebox ? Palette.overdue : .plain) }
        return (text, step.isOverTimebox ? Palette.error : .dim)
    }


    // MARK: Status pane

    /// `Next    #3 Stop writes… @sre 12m/10m`: the step in progress of each attached runbook.
    func nextStepLines(_ view: IncidentView, width: Int) -> [[Span]] {
        let next = view.state.nextSteps(now: now)
        guard !view.state.runbooks.attached.isEmpty else { return [] }
        let indent = 8
        guard !next.isEmpty else {
            return [[(fit("Next", indent), Palette.heading), ("every runbook step is closed", .dim)]]
        }
        let several = view.state.runbooks.attached.count > 1
        var lines: [[Span]] = []
        for step in next {
            var text = (several ? "\(step.runbook) " : "") + "#\(step.step.number) \(step.step.text)"
            if let owner = step.step.owner { text += " @\(owner)" }
            let wrapped = TextWrap.wrap(text, columns: width - indent)
            for (index, part) in wrapped.enumerated() {
                let label = lines.isEmpty && index == 0 ? fit("Next", indent) : String(repeating: " ", count: indent)
                lines.append([(label, Palette.heading), (part, .plain)])
            }
            if let time = Self.timeSpan(step) {
                let used = indent + TextWidth.columns(wrapped.last ?? "")
                if used + 1 + TextWidth.columns(time.text) <= width {
                    lines[lines.count - 1].append((" ", .plain))
                    lines[lines.count - 1].append(time)
                } else {
                    lines.append([(String(repeating: " ", count: indent), .plain), time])
                }
            }
        }
        return lines
    }

    // MARK: Step details overlay

    var stepDetailRect: Rect {
        let w = min(width - 4, 90)
        return Rect(x: (width - w) / 2, y: 1, width: w, height: height - 2)
    }

    func drawStepDetail(_ buffer: inout CellBuffer, _ detail: StepDetailOverlay) {
        let rect = stepDetailRect
        buffer.fill(rect)
        let title = "Step \(detail.step) (Esc closes)"
        drawScrolling(&buffer, rect, title: title, lines: stepDetailLines(detail, width: rect.inset(1).width), scroll: detail.scroll)
    }

    /// A boxed overlay of styled rows scrolled to `scroll` (clamped), with a hint while more is below.
    func drawScrolling(_ buffer: inout CellBuffer, _ rect: Rect, title: String, lines: [[Span]], scroll: Int) {
        buffer.box(rect, title: title, style: .bold, titleStyle: Palette.focusedTitle)
        let inner = rect.inset(1)
        let scroll = min(scroll, max(0, lines.count - inner.height))
        for (row, line) in lines[scroll...].prefix(inner.height).enumerated() {
            var used = 0
            for span in line where used < inner.width {
                used += buffer.put(span.text, x: inner.x + used, y: inner.y + row, limit: inner.width - used, style: span.style)
            }
        }
        if scroll + inner.height < lines.count {
            buffer.put(" ↓ j/k scroll ", x: rect.maxX - 15, y: rect.maxY - 1, style: .bold)
        }
    }

    /// The step's text, where it stands, its owner and timebox, the command to run, what to expect, and notes.
    func stepDetailLines(_ detail: StepDetailOverlay, width: Int) -> [[Span]] {
        guard let view = incidents[detail.incident],
              let step = checklistSteps(view).first(where: { $0.qualifiedID == detail.step })
        else { return [[("This step is no longer attached.", .dim)]] }
        let s = step.step
        var lines: [[Span]] = []
        func wrapped(_ text: String, style: Style = .plain, indent: Int = 0) {
            let pad = String(repeating: " ", count: indent)
            for part in TextWrap.wrap(text, columns: max(1, width - indent)) { lines.append([(pad + part, style)]) }
        }
        func field(_ label: String, _ value: String, style: Style = .plain) {
            let labelWidth = 9
            let parts = TextWrap.wrap(value, columns: max(1, width - labelWidth))
            for (index, part) in parts.enumerated() {
                lines.append([(index == 0 ? fit(label, labelWidth) : String(repeating: " ", count: labelWidth), Palette.heading),
                              (part, style)])
            }
        }
        wrapped("\(s.number). \(s.text)", style: .bold)
        lines.append([])
        var status = step.status.rawValue
        if let closure = step.closure {
            status += " at \(clock.minute(closure.at)) by \(closure.by)"
            if let reason = closure.reason { status += ": \(reason)" }
        }
        field("Status", status, style: Self.markStyle(step.status))
        if let owner = s.owner {
            let holder = view.state.roles[Role.canonical(owner)]
            field("Owner", "@\(owner)" + (holder.map { " (\($0))" } ?? ""))
        }
        if let box = s.timeboxSeconds {
            if let elapsed = step.elapsed {
                let over = step.isOverTimebox ? " — over" : ""
                field("Time", "\(DurationText.short(elapsed)) of \(DurationText.compact(Double(box)))\(over)",
                      style: step.isOverTimebox ? Palette.overdue : .plain)
            } else {
                field("Timebox", "\(DurationText.compact(Double(box))) (its phase has not started)")
            }
        } else if let elapsed = step.elapsed {
            field("Time", DurationText.short(elapsed))
        }
        if let milestone = s.milestone { field("Reaches", milestone) }
        if let command = s.command {
            lines.append([])
            lines.append([("Command" + (s.commandLanguage.map { " (\($0))" } ?? ""), Palette.heading)])
            for line in command.split(separator: "\n", omittingEmptySubsequences: false) {
                lines.append([("  " + line, .bold)])
            }
        }
        if let expect = s.expect {
            lines.append([])
            lines.append([("Expect", Palette.heading)])
            wrapped(expect, indent: 2)
        }
        if !s.notes.isEmpty {
            lines.append([])
            lines.append([("Notes", Palette.heading)])
            for note in s.notes { wrapped("· " + note, indent: 2) }
        }
        lines.append([])
        lines.append([("Space checks · s skips · u un-checks (on the pane) · Esc closes", .dim)])
        return lines
    }
}

/// `/runbook` and `/step`: parsed here so SlashCommand.swift only routes to them.
enum RunbookSlash {
    /// `/runbook ID`.
    static func attach(_ rest: String) throws(CommandLineError) -> ConsoleIntent {
        let id = rest.trimmingCharacters(in: .whitespaces)
        guard !id.isEmpty, !id.contains(" ") else {
            throw CommandLineError(message: "/runbook needs a runbook id: \(SlashCommand.runbook.usage)")
        }
        return .attachRunbook(id, occurredAt: nil)
    }

    /// `/step done|skip|undo RUNBOOK:STEP [REASON]`.
    static func step(_ rest: String) throws(CommandLineError) -> ConsoleIntent {
        let words = rest.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true).map(String.init)
        guard words.count >= 2 else {
            throw CommandLineError(message: "/step needs an action and a step: \(SlashCommand.step.usage)")
        }
        let reference = words[1]
        let reason = words.count > 2 ? words[2].trimmingCharacters(in: .whitespaces) : ""
        switch words[0].lowercased() {
        case "done", "check":
            guard reason.isEmpty else { throw CommandLineError(message: "/step done takes only the step: /step done RUNBOOK:STEP") }
            return .record(.runbook(.check(reference)), occurredAt: nil)
        case "skip":
            guard !reason.isEmpty else {
                throw CommandLineError(message: "skipping a step needs a reason: /step skip RUNBOOK:STEP REASON")
            }
            return .record(.runbook(.skip(reference, reason: reason)), occurredAt: nil)
        case "undo":
            return .record(.runbook(.undo(reference, reason: reason.isEmpty ? nil : reason)), occurredAt: nil)
        default:
            throw CommandLineError(message: "/step \(words[0]) is not an action; use done, skip or undo: \(SlashCommand.step.usage)")
        }
    }

    /// Takes `--tag WORD` pairs out of a `/declare` title: `/declare L1 Storage offline --tag storage`.
    static func declaration(_ severity: Severity, _ rest: String) throws(CommandLineError) -> ConsoleIntent {
        guard rest.contains("--tag") else { return .declare(Declaration(title: rest, severity: severity), occurredAt: nil) }
        var title: [Substring] = []
        var tags: [String] = []
        var words = rest.split(separator: " ", omittingEmptySubsequences: true)[...]
        while let word = words.popFirst() {
            guard word == "--tag" else {
                title.append(word)
                continue
            }
            guard let tag = words.popFirst(), !tag.hasPrefix("--") else {
                throw CommandLineError(message: "--tag needs a word: /declare L1 TITLE --tag storage")
            }
            tags.append(String(tag))
        }
        return .declare(Declaration(title: title.joined(separator: " "), severity: severity, tags: tags), occurredAt: nil)
    }
}
