import Foundation
import IncidentCore

/// `warroom drill history` as plain terminal text: for each scenario, its runs side by side with the time each
/// milestone was reached, and whether the latest run was faster than the one before.
public enum DrillHistoryReport {
    /// One block per scenario, separated by a blank line.
    public static func text(_ histories: [DrillHistory], timeZone: TimeZone) -> String {
        guard !histories.isEmpty else { return "No drill has finished yet.\n" }
        let timeText = TimeText(timeZone: timeZone)
        return histories.map { block($0, timeText).joined(separator: "\n") }.joined(separator: "\n\n") + "\n"
    }

    /// `DRILL-3 was faster than DRILL-2 by 6m over 2 milestones; 1 more milestone met.`, shared with the score card.
    static func sentence(_ trend: DrillHistory.Trend) -> String {
        let over = trend.milestonesCompared == 1 ? "1 milestone" : "\(trend.milestonesCompared) milestones"
        var s: String
        if trend.milestonesCompared == 0 {
            s = "\(trend.latest) against \(trend.previous): no milestone reached in both runs to compare"
        } else if trend.change < 0 {
            s = "\(trend.latest) was faster than \(trend.previous) by \(ScoreCardDocument.duration(-trend.change)) over \(over)"
        } else if trend.change > 0 {
            s = "\(trend.latest) was slower than \(trend.previous) by \(ScoreCardDocument.duration(trend.change)) over \(over)"
        } else {
            s = "\(trend.latest) was as fast as \(trend.previous) over \(over)"
        }
        if trend.metChange != 0 {
            let count = abs(trend.metChange)
            s += "; \(count) \(trend.metChange > 0 ? "more" : "fewer") milestone\(count == 1 ? "" : "s") met"
        }
        return s + "."
    }

    private static func block(_ history: DrillHistory, _ timeText: TimeText) -> [String] {
        let keys = history.milestoneKeys
        let names = keys.map { key in String(key[key.index(after: key.firstIndex(of: ":")!)...]) }
        // Two runbooks may name a milestone alike; only then does the column need the runbook too.
        let headings = zip(keys, names).map { key, name in names.count { $0 == name } > 1 ? key : name }
        let header = ["incident", "started (\(timeText.zoneLabel))", "speed", "length", "milestones met"] + headings
            + ["updates on time", "steps done/skipped/left"]
        let rows = history.runs.map { run -> [String] in
            var reached: [String: TimeInterval] = [:]
            for m in run.milestones { reached["\(m.runbook):\(m.milestone)"] = m.reachedAfter }
            return [run.incident, timeText.dayAndMinute(run.startedAt), DrillScenario.speedText(run.speed),
                    ScoreCardDocument.duration(run.length), "\(run.milestonesMet)/\(run.milestonesDue.count)"]
                + keys.map { reached[$0].map(ScoreCardDocument.offset) ?? "—" }
                + ["\(run.statusUpdates.onTimeCount)/\(run.statusUpdates.dueCount)",
                   "\(run.stepsDone)/\(run.stepsSkipped)/\(run.stepsLeft)"]
        }
        let runs = history.runs.count == 1 ? "1 run" : "\(history.runs.count) runs"
        let trend = history.trend.map(sentence) ?? "First run: nothing to compare yet."
        return ["\(history.scenario) — \(history.title) (\(runs))".inert] + aligned([header] + rows) + [trend.inert]
    }

    /// Columns two spaces apart, padded by `Character` count: the cells are ids, times and figures, all one column wide
    /// per character (a title could hold wide characters, but titles only appear in headings).
    private static func aligned(_ rows: [[String]]) -> [String] {
        let rows = rows.map { $0.map(\.inert) }
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max()! }
        return rows.map { cells in
            // The last column is not padded, so no line ends in spaces.
            let padded = zip(cells.dropLast(), widths).map { cell, width in cell + String(repeating: " ", count: width - cell.count) }
            return (padded + [cells.last!]).joined(separator: "  ")
        }
    }
}

private extension String {
    /// Scenario titles and milestone names come from files people edit; a terminal must not act on what they hold.
    var inert: String { InertText.make(self) }
}
