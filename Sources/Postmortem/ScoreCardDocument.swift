import Foundation
import IncidentCore

/// A drill's score card as Markdown, written beside its postmortem: the figures of `DrillScoreCard` in the postmortem's
/// minute wording, with every moment given as an offset from the drill's start (T+12m) because a drill's wall-clock
/// times mean nothing to the people who practised it.
public enum ScoreCardDocument {
    /// The whole document; `history` adds a comparison with earlier runs of the scenario when it has more than one.
    public static func markdown(_ card: DrillScoreCard, history: DrillHistory?, timeZone: TimeZone) -> String {
        let timeText = TimeText(timeZone: timeZone)
        var sections = [
            summary(card, timeText), milestones(card), steps(card), statusUpdates(card), pages(card), injects(card),
            practise(card),
        ]
        if let history, history.runs.count > 1 { sections.append(comparison(card, history, timeText)) }
        return sections.map { $0.joined(separator: "\n") }.joined(separator: "\n\n") + "\n"
    }

    // MARK: Sections

    private static func summary(_ card: DrillScoreCard, _ timeText: TimeText) -> [String] {
        let practised = card.practises.isEmpty ? "no runbook" : card.practises.map(md).joined(separator: ", ")
        let length = duration(card.length)
        let ending = switch card.ending {
        case .ended?: "\(length) of drill time, ended with /end-drill."
        case .resolved?: "\(length) of drill time, ended when the incident was resolved."
        case nil: "\(length) of drill time so far. **Provisional**: the drill is still running; these figures will change."
        }
        let severity = card.ending == nil
            ? "Severity \(card.worstSeverity.rawValue) at worst, \(card.severity.rawValue) now; the incident is \(card.lifecycle.rawValue)."
            : "Severity \(card.worstSeverity.rawValue) at worst, \(card.severity.rawValue) at the end; final state \(card.lifecycle.rawValue)."
        return [
            "# Drill score card: \(md(card.incident)) — \(md(card.title))",
            "",
            "Scenario \(md(card.scenario)), practising \(practised), with the clock at \(DrillScenario.speedText(card.speed)). "
                + "Started \(timeText.dayAndMinute(card.startedAt)) \(timeText.zoneLabel) on the drill clock; \(ending) \(severity)",
            "",
            "Times are drill time from the start of the drill (T+0), to the minute.",
        ]
    }

    private static func milestones(_ card: DrillScoreCard) -> [String] {
        var lines = ["## Milestones", ""]
        if card.runbooks.isEmpty {
            lines.append("No runbook was attached, so no milestone was measured.")
            return lines
        }
        if card.milestones.isEmpty {
            lines.append("The practised runbooks set no milestone targets.")
            return lines
        }
        lines += table(["runbook", "milestone", "target", "reached", "result"], card.milestones.map { m in
            let result: String
            if let reached = m.reachedAfter {
                result = reached <= m.target
                    ? "met, \(duration(m.target - reached)) to spare" : "missed by \(duration(reached - m.target))"
            } else if m.target > card.length {
                result = "not due: the drill ended first"
            } else {
                result = "not reached"
            }
            return [md(m.runbook), md(m.milestone), offset(m.target), m.reachedAfter.map(offset) ?? "not reached", result]
        })
        return lines
    }

    private static func steps(_ card: DrillScoreCard) -> [String] {
        var lines = ["## Runbook steps", ""]
        if card.runbooks.isEmpty {
            lines.append("No runbook was attached.")
            return lines
        }
        lines += table(["runbook", "done", "skipped", "left"], card.runbooks.map { r in
            ["\(md(r.title)) (\(md(r.id)))", String(r.done), String(r.skipped), String(r.open)]
        })
        func list(_ heading: String, _ none: String, _ items: [String]) {
            lines.append("")
            if items.isEmpty {
                lines.append(none)
            } else {
                lines += [heading, ""] + items.map { "- \($0)" }
            }
        }
        func name(_ s: RunbookFacts.Step) -> String { "\(md(s.runbook)):\(s.number) \(md(s.text))" }
        list("Skipped:", "No step was skipped.", card.steps.filter { $0.outcome == .skipped }.map { s in
            let who = [s.actor.map(md), s.at.map(card.offset)].compactMap { $0 }.joined(separator: ", ")
            return name(s) + (s.reason.map { " — “\(md($0))”" } ?? "") + (who.isEmpty ? "" : " (\(who))")
        })
        list("Over their timebox:", "No step ran over its timebox.", card.steps.filter(\.overTimebox).map { s in
            let against = [s.took.map { "took \(duration($0))" }, s.timebox.map { "timebox \(duration($0))" }].compactMap { $0 }
            return name(s) + (against.isEmpty ? "" : " — " + against.joined(separator: ", "))
        })
        list("Left open:", "No step was left open.", card.steps.filter { $0.outcome == .open }.map(name))
        return lines
    }

    private static func statusUpdates(_ card: DrillScoreCard) -> [String] {
        let u = card.statusUpdates
        var lines = ["## Status updates", ""]
        if u.dueCount == 0 && u.updates.isEmpty {
            lines.append("No status update was due.")
            return lines
        }
        // An ended drill owes nothing more even while its incident stays open, so its missing update was never sent.
        let owed = card.ending == nil ? "not sent yet" : "never sent"
        var missed = "none"
        if let m = u.missed { missed = "one due at \(card.offset(m.dueAt)) \(owed)" }
        let worst = u.worstLateness.map { " (worst by \(duration($0)))" } ?? ""
        lines.append("\(u.onTimeCount) on time, \(u.lateCount) late\(worst), missed: \(missed).")
        lines.append("")
        var rows = u.updates.enumerated().map { i, update -> [String] in
            let result = update.dueAt == nil ? "after resolution" : update.isOnTime ? "on time" : "\(duration(update.lateBy)) late"
            return [String(i + 1), update.dueAt.map(card.offset) ?? "—", card.offset(update.sentAt), result]
        }
        if let m = u.missed {
            rows.append([String(u.updates.count + 1), card.offset(m.dueAt), "—", card.ending == nil ? "not sent yet" : "missed"])
        }
        lines += table(["#", "due", "sent", "result"], rows)
        return lines
    }

    private static func pages(_ card: DrillScoreCard) -> [String] {
        var lines = ["## Pages", ""]
        if card.pages.isEmpty {
            lines.append("No pages were recorded.")
        } else {
            lines += table(["who", "role, tier", "via", "paged", "acknowledged"], card.pages.map { p in
                let rung = [p.role.map(Role.displayName), p.tier].compactMap { $0 }.joined(separator: ", ")
                return [md(p.target) + (p.escalatedFrom.map { " (escalated from \(md($0)))" } ?? ""),
                        rung.isEmpty ? "—" : md(rung), md(p.via), card.offset(p.pagedAt),
                        p.timeToAcknowledge.map { "after \(duration($0))" } ?? "no answer"]
            })
        }
        guard !card.silentPages.isEmpty else { return lines }
        lines += ["", "Scripted unanswered pages:", ""]
        for silent in card.silentPages {
            let who = md(silent.name) + (silent.role.map { " (\(md(Role.displayName($0))))" } ?? "")
            let timeout = "ack timeout \(timeoutText(silent.ackTimeout))"
            let outcome: String
            if let to = silent.escalatedTo, let after = silent.escalatedAfter {
                outcome = "escalated to \(md(to)) \(duration(after)) later (\(timeout)) — \(silent.escalatedInTime ? "in time" : "late")"
            } else {
                outcome = "nobody was paged in their place (\(timeout)) — never escalated"
            }
            lines.append("- \(who) was paged at \(card.offset(silent.pagedAt)) and never answers: \(outcome).")
        }
        return lines
    }

    private static func injects(_ card: DrillScoreCard) -> [String] {
        var lines = ["## Scripted events", ""]
        if card.injects.isEmpty {
            lines.append("No scripted event had fired.")
            return lines
        }
        let pressure = card.injects.contains { $0.inject.kind == .severity }
        func entry(_ kind: EventKind?, _ e: PostmortemFacts.Entry) -> String {
            md(shortened("\(kind?.rawValue ?? "entry"): \(e.text)"))
        }
        var header = ["at", "event", "first response", "after"]
        if pressure { header.append("answer") }
        lines += table(header, card.injects.map { r in
            let i = r.inject
            let body = i.severity.map { i.text.isEmpty ? $0.rawValue : "\($0.rawValue) \(i.text)" } ?? i.text
            var row = [card.offset(r.firedAt), md("\(i.kind.rawValue): \(body)"),
                       r.response.map { entry(r.responseKind, $0) } ?? "nothing recorded", r.respondedAfter.map(duration) ?? "—"]
            if pressure {
                if i.kind != .severity {
                    row.append("—")
                } else if let answer = r.answer {
                    row.append(entry(r.answerKind, answer) + (r.answeredAfter.map { ", after \(duration($0))" } ?? ""))
                } else {
                    row.append("no answer")
                }
            }
            return row
        })
        return lines
    }

    private static func practise(_ card: DrillScoreCard) -> [String] {
        ["## What to practise next", ""] + card.practise.enumerated().map { "\($0 + 1). \(md($1))" }
    }

    private static func comparison(_ card: DrillScoreCard, _ history: DrillHistory, _ timeText: TimeText) -> [String] {
        var lines = ["## Compared with earlier runs", ""]
        let header = ["incident", "started (\(timeText.zoneLabel))", "speed", "length", "milestones met", "updates on time",
                      "steps done / skipped / left"]
        lines += table(header, history.runs.map { run in
            [md(run.incident) + (run.incident == card.incident ? " (this card)" : ""), timeText.dayAndMinute(run.startedAt),
             DrillScenario.speedText(run.speed), duration(run.length), "\(run.milestonesMet)/\(run.milestonesDue.count)",
             "\(run.statusUpdates.onTimeCount)/\(run.statusUpdates.dueCount)",
             "\(run.stepsDone) / \(run.stepsSkipped) / \(run.stepsLeft)"]
        })
        if let trend = history.trend { lines += ["", md(DrillHistoryReport.sentence(trend))] }
        return lines
    }

    // MARK: Formatting

    /// Cells are already escaped by the caller: only recorded text needs it, and figures must not be touched.
    private static func table(_ header: [String], _ rows: [[String]]) -> [String] {
        func line(_ cells: [String]) -> String { "| " + cells.joined(separator: " | ") + " |" }
        return [line(header), "|" + String(repeating: "---|", count: header.count)] + rows.map(line)
    }

    static func md(_ text: String) -> String { PostmortemContext.md(text) }

    /// The postmortem's minute wording, so both documents state a duration the same way.
    static func duration(_ seconds: TimeInterval) -> String { PostmortemContext.duration(seconds) }

    /// A span after T+0 as the scenario files write offsets.
    static func offset(_ seconds: TimeInterval) -> String { DrillScenario.Inject.offsetText(seconds: Int(seconds)) }

    /// Acknowledgement timeouts come from the contacts file in seconds; minutes when whole, or the seconds would be lost.
    private static func timeoutText(_ seconds: TimeInterval) -> String {
        seconds.truncatingRemainder(dividingBy: 60) == 0 ? duration(seconds) : DurationText.short(seconds)
    }

    /// A response is named, not quoted in full: the timeline has the rest.
    private static func shortened(_ text: String, to limit: Int = 60) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 1)).trimmingCharacters(in: .whitespaces) + "…"
    }
}

/// Writes a drill's score card beside its postmortem, `postmortems/DRILL-n-scorecard.md`, the way postmortems are
/// written: through a temporary file and a rename, private to the owner. The card is recomputed from the log each
/// time, so an existing file is simply replaced.
public struct ScoreCardWriter: Sendable {
    public var workspace: URL

    public init(workspace: URL) {
        self.workspace = workspace.standardizedFileURL
    }

    /// `WORKSPACE/postmortems/DRILL-n-scorecard.md`.
    public func defaultOutput(for incident: IncidentID) -> URL {
        DocumentFile.folder(in: workspace).appendingPathComponent("\(incident)-scorecard.md")
    }

    /// Writes `text` to `defaultOutput(for:)` and returns the path relative to the workspace, as the timeline records it.
    @discardableResult
    public func write(_ text: String, for incident: IncidentID) throws -> String {
        let file = defaultOutput(for: incident).standardizedFileURL
        try DocumentFile.write(text, to: file, workspace: workspace)
        return DocumentFile.relativePath(file, in: workspace)
    }
}
