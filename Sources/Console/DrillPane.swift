import Foundation
import IncidentCore

/// What the runner tells the console about a drill it runs.
public enum DrillMessage: Sendable, Equatable {
    /// The runner opened a drill and routes its broadcasts and pages to `sink`; send it once the start entry has
    /// been delivered (`.loaded` or `.appended`), so the notice can name the scenario and the speed.
    case started(IncidentID, sink: String)
    /// The score card was written to `path`; `text` is its Markdown, shown in an overlay.
    case scoreCard(IncidentID, path: String, text: String)
}

/// The score card overlay: the card's Markdown and how far it is scrolled.
struct ScoreCardOverlay: Sendable, Equatable {
    var incident: IncidentID
    var text: String
    var scroll: Int
}

extension Palette {
    /// The header's drill badge: reversed so that nobody mistakes a drill for a real incident, even without colour;
    /// in the drill's colour, so it does not read as an L2 beside it.
    static let drillBadge = Style(foreground: .magenta, attributes: [.bold, .reverse])
    /// A scripted event on the timeline: the surprise the team has to react to.
    static let inject = Style(foreground: .yellow, attributes: [.bold, .reverse])
    /// A drill's start and end on the timeline: bookkeeping, not something to act on.
    static let drillEntry = Style(foreground: .magenta, attributes: [.dim])
}

extension ConsoleModel {
    // MARK: Messages

    mutating func updateDrill(_ message: DrillMessage) {
        switch message {
        case .started(let id, let sink):
            var text = "\(id): "
            if let drill = incidents[id]?.state.drill {
                text += "\(drill.scenario.id) at \(DrillScenario.speedText(drill.speed)); "
            }
            text += "broadcasts and pages go only to the drill sink (\(sink))"
            notice = ConsoleNotice(text: text, isError: false)
        case .scoreCard(let id, let path, let text):
            overlay = .scoreCard(ScoreCardOverlay(incident: id, text: text, scroll: 0))
            notice = ConsoleNotice(text: "score card written to \(path)", isError: false)
        }
    }

    // MARK: Ending a drill

    /// `/end-drill`: checks that there is a drill to end, then asks; nothing happens until `y`.
    mutating func requestEndDrill() -> [ConsoleEffect] {
        guard let view = current else { return refuse("no incident: /end-drill ends the drill on screen") }
        if let problem = endDrillProblem(view) { return refuse(problem) }
        accept()
        overlay = .confirmEndDrill(view.id)
        return []
    }

    /// `y` ends the drill (checked again: it may have ended while the question was open); anything else keeps it going.
    mutating func performEndDrillConfirmation(_ action: KeyAction, _ id: IncidentID) -> [ConsoleEffect] {
        overlay = nil
        guard action == .confirm else {
            notice = ConsoleNotice(text: "\(id) goes on", isError: false)
            return []
        }
        guard let view = incidents[id] else { return [] }
        if let problem = endDrillProblem(view) { return refuse(problem) }
        notice = ConsoleNotice(text: "ending \(id)…", isError: false)
        return [.endDrill(id)]
    }

    /// Why the incident's drill cannot be ended now, in words that say what to do instead.
    private func endDrillProblem(_ view: IncidentView) -> String? {
        let state = view.state
        guard state.isDrill else { return "\(view.id) is not a drill" }
        guard let drill = state.drill else { return "\(view.id) has no scenario recorded, so there is no drill to end" }
        if drill.isOver { return "\(view.id) has already ended; warroom drill end \(view.id) prints its score card again" }
        do throws(RuleError) {
            _ = try state.decide(.drill(.end(.ended)), at: now, now: now, policy: policy)
        } catch {
            return error.description
        }
        return nil
    }

    /// The question on the message row; like a long notice it grows upward.
    func drawEndDrillConfirmation(_ buffer: inout CellBuffer, _ rect: Rect, _ id: IncidentID) {
        let text = "End the drill \(id) now? No more scripted events; the score card is written. y/n"
        let rows = TextWrap.wrap(text, columns: rect.width).prefix(Self.maxMessageRows)
        let top = rect.y - (rows.count - 1)
        buffer.fill(Rect(x: rect.x, y: top, width: rect.width, height: rows.count))
        for (row, line) in rows.enumerated() {
            buffer.put(line, x: rect.x, y: top + row, limit: rect.width, style: Palette.overdue)
        }
    }

    // MARK: Header and status pane

    /// `DRILL T+23m 600×` while the scenario runs, `DRILL ended` after it, `DRILL` before the scenario is recorded.
    func drillBadge(_ state: IncidentState) -> Span? {
        guard state.isDrill else { return nil }
        guard let drill = state.drill else { return ("DRILL", Palette.drillBadge) }
        if drill.isOver { return ("DRILL ended", Palette.drillBadge) }
        return ("DRILL \(drillClock(drill)) \(DrillScenario.speedText(drill.speed))", Palette.drillBadge)
    }

    /// Drill time as scenario files write offsets, to the minute: `T+23m`, `T+1h5m`.
    private func drillClock(_ drill: DrillState) -> String {
        DrillScenario.Inject.offsetText(seconds: Int(drill.elapsed(now: now)) / 60 * 60)
    }

    /// `Drill   storage-nodes-offline · 3 of 9 injects so far`. Only the count: what comes next, and when, is the
    /// surprise the drill is made of.
    func drillStatusLines(_ view: IncidentView, width: Int) -> [[Span]] {
        guard let drill = view.state.drill else { return [] }
        let fired = drill.fired.count, total = drill.scenario.injects.count
        let progress: String
        if drill.isOver {
            progress = "ended at \(drillClock(drill)) after \(fired) of \(total) injects"
        } else {
            progress = "\(fired) of \(total) injects so far"
        }
        let indent = 8
        let line = "\(drill.scenario.id) · \(progress)"
        // When the pane is too narrow for one line, the scenario and the count each start a row of their own.
        let rows = TextWidth.columns(line) <= width - indent
            ? [line] : [drill.scenario.id, progress].flatMap { TextWrap.wrap($0, columns: width - indent) }
        return rows.enumerated().map { index, part in
            [(index == 0 ? fit("Drill", indent) : String(repeating: " ", count: indent), Palette.heading), (part, .plain)]
        }
    }

    // MARK: Score card overlay

    var scoreCardRect: Rect {
        let w = min(width - 4, 100)
        return Rect(x: (width - w) / 2, y: 1, width: w, height: height - 2)
    }

    /// Scrolls the card, or closes it.
    mutating func performInScoreCard(_ action: KeyAction, _ card: ScoreCardOverlay) {
        if action == .dismiss {
            overlay = nil
            return
        }
        var card = card
        let inner = scoreCardRect.inset(1)
        card.scroll = Self.scrolled(card.scroll, by: action, rows: inner.height, total: scoreCardLines(card.text, width: inner.width).count)
        overlay = .scoreCard(card)
    }

    func drawScoreCard(_ buffer: inout CellBuffer, _ card: ScoreCardOverlay) {
        let rect = scoreCardRect
        buffer.fill(rect)
        drawScrolling(&buffer, rect, title: "Score card — \(card.incident) (Esc closes)",
                      lines: scoreCardLines(card.text, width: rect.inset(1).width), scroll: card.scroll)
    }

    /// The card's Markdown as screen rows. Prose and list items wrap under themselves; tables and code blocks keep
    /// their columns and are cut at the edge instead, since wrapping would scramble them.
    func scoreCardLines(_ text: String, width: Int) -> [[Span]] {
        var lines: [[Span]] = []
        var inCode = false
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.hasSuffix("\r") ? String(raw.dropLast()) : String(raw)
            if line.hasPrefix("```") {
                inCode.toggle()
                lines.append([(line, .dim)])
            } else if inCode || line.hasPrefix("|") {
                lines.append([(line, .plain)])
            } else if line.hasPrefix("#") {
                lines += TextWrap.wrap(line, columns: width).map { [($0, Palette.heading)] }
            } else {
                let body = line.drop { $0 == " " }
                let marker = ["- ", "* ", "+ "].first { body.hasPrefix($0) } ?? ""
                let lead = String(repeating: " ", count: line.count - body.count) + marker
                let leadWidth = TextWidth.columns(lead)
                guard leadWidth < width else {
                    lines.append([(line, .plain)])
                    continue
                }
                let hanging = String(repeating: " ", count: leadWidth)
                let parts = TextWrap.wrap(String(body.dropFirst(marker.count)), columns: width - leadWidth)
                for (index, part) in parts.enumerated() {
                    lines.append([((index == 0 ? lead : hanging) + part, .plain)])
                }
            }
        }
        while lines.last.map({ $0.allSatisfy { $0.text.isEmpty } }) == true { lines.removeLast() }
        return lines
    }
}

/// `/end-drill`: parsed here so SlashCommand.swift only routes to it.
enum DrillSlash {
    static func endDrill(_ rest: String) throws(CommandLineError) -> ConsoleIntent {
        guard rest.isEmpty else {
            throw CommandLineError(
                message: "/end-drill needs nothing after it; it ends the drill on screen: \(SlashCommand.endDrill.usage)")
        }
        return .endDrill
    }
}
