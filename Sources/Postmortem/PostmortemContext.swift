import Foundation
import IncidentCore
import Mustache

/// Turns postmortem facts into the values a template reads: every time to the minute in one zone, every duration
/// in minutes, and every piece of recorded text made inert and safe inside Markdown (and its tables).
/// The keys are exactly `PostmortemVariables.root`; an absent fact is `NSNull`, which Mustache treats as
/// missing (a section skips it) without looking further out for another value of the same name.
public struct PostmortemContext {
    public let facts: PostmortemFacts
    public let timeText: TimeText
    /// Whether the incident's times fall on more than one day, so times carry their date.
    public let spansDays: Bool
    private let clock: MinuteClock

    public init(facts: PostmortemFacts, timeZone: TimeZone) {
        self.facts = facts
        timeText = TimeText(timeZone: timeZone)
        let first = facts.keyTimes.firstSignal
        let last = max(facts.timeline.last?.occurredAt ?? first, facts.keyTimes.resolved ?? facts.asOf)
        spansDays = timeText.differentDays(first, last)
        clock = MinuteClock(timeText, withDate: spansDays)
    }

    /// The dictionary to render.
    public func values() -> [String: Any] {
        let f = facts
        let k = f.keyTimes
        var root: [String: Any] = [
            "id": Self.md(f.incident),
            "title": Self.md(f.title),
            "impact": f.impact.map(Self.md) ?? NSNull(),
            "drill": f.isDrill,
            "draft": f.lifecycle.isActive,
            "state": f.lifecycle.rawValue,
            "severity": f.severity.rawValue,
            "worst_severity": f.worstSeverity.rawValue,
            "declared_by": Self.md(f.declaredBy),
            "commander": Self.md(f.commander),
            "generated_at": "\(timeText.dayAndMinute(f.asOf)) \(timeText.zoneLabel)",
            "time_zone": timeText.zoneLabel,
            "date": timeText.day(k.firstSignal),
            "spans_days": spansDays,
            "through_entry": String(f.throughEvent),
            "entry_count": String(f.eventCount),
        ]
        root["times"] = [
            "first_signal": time(k.firstSignal),
            "first_signal_entry": String(k.firstSignalEntry),
            "declared": time(k.declared),
            "acknowledged": optionalTime(k.acknowledged),
            "mitigation_started": optionalTime(k.mitigationStarted),
            "mitigated": optionalTime(k.mitigated),
            "resolved": optionalTime(k.resolved),
            "closed": optionalTime(k.closed),
        ] as [String: Any]
        root["durations"] = [
            "to_declare": Self.duration(k.toDeclare),
            "to_acknowledge": Self.optionalDuration(k.toAcknowledge),
            "to_mitigate": Self.optionalDuration(k.toMitigate),
            "to_resolve": Self.optionalDuration(k.toResolve),
            "mitigating": Self.optionalDuration(k.mitigating),
        ] as [String: Any]
        root["key_times"] = keyTimeRows()
        root["metrics"] = metricRows()
        root["severity_changes"] = f.severityChanges.map { change -> [String: Any] in
            [
                "time": time(change.at), "from": change.from.map { $0.rawValue as Any } ?? NSNull(),
                "to": change.to.rawValue, "reason": change.reason.map(Self.md) ?? "declared",
                "actor": Self.md(change.actor), "held_for": Self.duration(change.heldFor), "ongoing": change.ongoing,
            ]
        }
        root["time_at_severity"] = f.timeAtSeverity.map { entry -> [String: Any] in
            ["severity": entry.severity.rawValue, "duration": Self.duration(entry.duration), "ongoing": entry.ongoing]
        }
        root["updates"] = updateSummary()
        root["update_list"] = f.statusUpdates.updates.map { update -> [String: Any] in
            let punctuality = update.dueAt == nil ? "after resolution" : update.isOnTime ? "on time" : "\(Self.duration(update.lateBy)) late"
            return [
                "id": String(update.entry), "sent_at": time(update.sentAt), "due_at": optionalTime(update.dueAt),
                "punctuality": punctuality, "late": update.dueAt != nil && !update.isOnTime,
                "severity": update.severity.rawValue, "actor": Self.md(update.actor), "message": Self.md(update.message),
            ]
        }
        root["deliveries"] = f.deliveries.deliveries.map { delivery -> [String: Any] in
            let tries = delivery.attempts == 1 ? "1 attempt" : "\(delivery.attempts) attempts"
            let outcome: String
            if let at = delivery.deliveredAt {
                outcome = "delivered at \(time(at))"
            } else if delivery.abandoned {
                outcome = "given up after \(tries)" + (delivery.failure.map { ": \($0)" } ?? "")
            } else if let failure = delivery.failure {
                outcome = "not delivered yet after \(tries): \(failure)"
            } else {
                outcome = "queued, not delivered"
            }
            return [
                "update": String(delivery.update), "what": delivery.isPage ? "page" : "update", "channel": Self.md(delivery.channel),
                "attempts": String(delivery.attempts), "outcome": Self.md(outcome), "delivered": delivery.deliveredAt != nil,
            ]
        }
        let deliveries = f.deliveries.deliveries
        root["delivery"] = [
            "count": String(deliveries.count), "delivered": String(f.deliveries.deliveredCount),
            "retried": String(deliveries.filter { $0.deliveredAt != nil && $0.attempts > 1 }.count),
            "not_delivered": String(deliveries.count - f.deliveries.deliveredCount),
        ]
        root["paging"] = [
            "sent": String(f.pages.pages.count), "acknowledged": String(f.pages.acknowledgedCount),
            "unanswered": String(f.pages.unansweredCount),
        ]
        root["pages"] = f.pages.pages.map { page -> [String: Any] in
            [
                "target": Self.md(page.target), "role": page.role.map { Self.md(Role.displayName($0)) as Any } ?? NSNull(),
                "tier": page.tier.map { $0 as Any } ?? NSNull(), "via": page.via,
                "paged_at": time(page.pagedAt), "paged_by": Self.md(page.pagedBy),
                "escalated_from": page.escalatedFrom.map { Self.md($0) as Any } ?? NSNull(),
                "acknowledged_at": optionalTime(page.acknowledgedAt),
                "time_to_acknowledge": Self.optionalDuration(page.timeToAcknowledge),
                "unanswered": page.acknowledgedAt == nil,
            ]
        }
        root["runbooks"] = f.runbooks.runbooks.map { runbook -> [String: Any] in
            [
                "runbook": Self.md(runbook.id), "title": Self.md(runbook.title), "attached_at": time(runbook.attachedAt),
                "done": String(runbook.done), "skipped": String(runbook.skipped), "open": String(runbook.open),
            ]
        }
        root["runbook_steps"] = f.runbooks.steps.map { step -> [String: Any] in
            var against: Any = NSNull()
            if let box = step.timebox, let took = step.took {
                against = step.overTimebox ? "over by \(Self.duration(took - box))" : "within \(Self.duration(box))"
            }
            return [
                "runbook": Self.md(step.runbook), "step": Self.md(step.step), "number": String(step.number),
                "text": Self.md(step.text), "outcome": step.outcome.rawValue, "time": optionalTime(step.at),
                "actor": step.actor.map { Self.md($0) as Any } ?? NSNull(),
                "reason": step.reason.map { Self.md($0) as Any } ?? NSNull(), "timebox": Self.optionalDuration(step.timebox),
                "took": Self.optionalDuration(step.took), "against_timebox": against,
            ]
        }
        root["milestones"] = f.runbooks.milestones.map { milestone -> [String: Any] in
            let verdict: String
            if let reached = milestone.reachedAfter {
                verdict = reached <= milestone.target
                    ? "met, \(Self.duration(milestone.target - reached)) to spare"
                    : "missed by \(Self.duration(reached - milestone.target))"
            } else {
                verdict = "not reached"
            }
            return [
                "runbook": Self.md(milestone.runbook), "milestone": Self.md(milestone.milestone),
                "target": "within \(Self.duration(milestone.target))", "reached_at": optionalTime(milestone.reachedAt),
                "reached_after": Self.optionalDuration(milestone.reachedAfter), "verdict": verdict,
                "met": milestone.isMet == true,
            ]
        }
        root["roles"] = f.roles.map { held -> [String: Any] in
            [
                "role": Self.md(Role.displayName(held.role)), "holder": Self.md(held.holder), "since": time(held.since),
                "until": optionalTime(held.until),
            ]
        }
        root["commander_also_held"] = f.rolesHeldByCommander.isEmpty
            ? NSNull() : f.rolesHeldByCommander.map { Self.md(Role.displayName($0)) }.joined(separator: ", ")
        let lines = TimelineLines(f.timeline, clock: clock)
        root["timeline"] = f.timeline.indices.map { TimelineRow(lines: lines, index: $0) }
        root["decisions"] = f.decisions.map { entry($0) }
        root["action_items"] = f.actionItems.map { entry($0) }
        return root
    }

    // MARK: Rows

    private func keyTimeRows() -> [[String: Any]] {
        let f = facts, k = f.keyTimes
        var reached: [(Date, [String: Any])] = []
        var missing: [[String: Any]] = []
        func row(_ label: String, _ date: Date?, _ note: String, missingNote: String) {
            if let date {
                reached.append((date, ["label": label, "time": time(date), "note": note]))
            } else {
                missing.append(["label": label, "time": "—", "note": missingNote])
            }
        }
        let signal = f.timeline.first { $0.id == k.firstSignalEntry }
        row("First signal", k.firstSignal, "#\(k.firstSignalEntry): \(Self.md(signal?.text ?? ""))", missingNote: "")
        row("Declared", k.declared, "\(f.severityChanges.first?.to.rawValue ?? f.severity.rawValue), by \(Self.md(f.declaredBy))",
            missingNote: "")
        for change in f.severityChanges.dropFirst() {
            row("Severity \(change.from?.rawValue ?? "") → \(change.to.rawValue)", change.at,
                Self.md(change.reason ?? ""), missingNote: "")
        }
        row("Acknowledged", k.acknowledged, "first page acknowledged",
            missingNote: f.pages.pages.isEmpty ? "no pages were recorded" : "no page was acknowledged")
        row("Mitigation started", k.mitigationStarted, "entered mitigating", missingNote: "never entered mitigating")
        row("Mitigated", k.mitigated, "entered monitoring",
            missingNote: k.mitigationStarted == nil ? "not mitigated" : "no fix has held yet")
        row("Resolved", k.resolved, "resolved", missingNote: "not resolved at generation")
        if let closed = k.closed { row("Closed", closed, "closed", missingNote: "") }
        // Stable by time: rows at the same minute keep the order above.
        let ordered = reached.enumerated().sorted { ($0.element.0, $0.offset) < ($1.element.0, $1.offset) }.map(\.element.1)
        return ordered + missing
    }

    private func metricRows() -> [[String: Any]] {
        let k = facts.keyTimes
        func row(_ measure: String, _ label: String, _ span: String, _ value: TimeInterval?) -> [String: Any] {
            ["measure": measure, "label": label, "span": span, "value": value.map(Self.duration) ?? "—"]
        }
        return [
            row("MTTD", "time to declare", "first signal → declared", k.toDeclare),
            row("MTTA", "time to acknowledge", "first signal → first page acknowledged", k.toAcknowledge),
            row("MTTM", "time to mitigate", "first signal → mitigated", k.toMitigate),
            row("MTTR", "time to resolve", "first signal → resolved", k.toResolve),
            row("—", "mitigation", "mitigation started → mitigated", k.mitigating),
        ]
    }

    private func updateSummary() -> [String: Any] {
        let u = facts.statusUpdates
        var missed: Any = NSNull()
        if let m = u.missed {
            missed = ["due_at": time(m.dueAt), "overdue_by": Self.duration(m.overdueBy), "still_due": m.stillDue] as [String: Any]
        }
        return [
            "due": String(u.dueCount), "sent": String(u.updates.count), "on_time": String(u.onTimeCount),
            "late": String(u.lateCount), "percent_on_time": u.onTimePercent.map { "\($0)%" as Any } ?? NSNull(),
            "after_resolution": String(u.afterResolutionCount),
            "worst_late": Self.optionalDuration(u.worstLateness), "missed": missed,
        ]
    }

    private func entry(_ e: PostmortemFacts.Entry) -> [String: Any] {
        [
            "id": String(e.id), "time": time(e.at), "actor": Self.md(e.actor), "text": Self.md(e.text),
            "corrected": e.original != nil, "original": e.original.map(Self.md) ?? NSNull(),
        ]
    }

    // MARK: Formatting

    /// `14:07`, or `2026-11-20 14:07` when the incident spans days.
    func time(_ date: Date) -> String { clock.text(date) }

    private func optionalTime(_ date: Date?) -> Any {
        guard let date else { return NSNull() }
        return time(date)
    }

    /// `0m`, `45m`, `1h 03m`, `2d 03h 10m`: durations to the minute.
    public static func duration(_ seconds: TimeInterval) -> String { DurationText.minutes(seconds) }

    private static func optionalDuration(_ seconds: TimeInterval?) -> Any {
        seconds.map { duration($0) as Any } ?? NSNull()
    }

    /// Recorded text as it may appear in Markdown: inert (control, bidirectional and zero-width characters shown as
    /// markers, line breaks too, as most of it lands in a table cell), and nothing that could break out of a table
    /// cell (`|`) or open raw HTML (`<`). Inert text holds no character XML 1.0 forbids, so a template that writes
    /// HTML needs only its own escaping.
    public static func md(_ text: String) -> String {
        // Most text is plain printable ASCII with nothing to escape: one pass over the bytes, no copy.
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "|") && $0 != UInt8(ascii: "<") && $0 != UInt8(ascii: "\\") }) {
            return text
        }
        let inert = InertText.make(text)
        // The characters escaped are ASCII, so bytes suffice; every other byte is copied as it is.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(inert.utf8.count + 8)
        for byte in inert.utf8 {
            if byte == UInt8(ascii: "|") || byte == UInt8(ascii: "<") || byte == UInt8(ascii: "\\") { bytes.append(UInt8(ascii: "\\")) }
            bytes.append(byte)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Times to the minute in one zone, cached per minute: a 100,000-entry timeline has far fewer distinct minutes
/// than entries, and calendar arithmetic is the expensive part.
final class MinuteClock {
    private let timeText: TimeText
    private let withDate: Bool
    private var cache: [Int64: String] = [:]

    init(_ timeText: TimeText, withDate: Bool) {
        self.timeText = timeText
        self.withDate = withDate
    }

    func text(_ date: Date) -> String {
        let key = Int64((date.timeIntervalSince1970 / 60).rounded(.down))
        if let cached = cache[key] { return cached }
        let text = withDate ? timeText.dayAndMinute(date) : timeText.minute(date)
        cache[key] = text
        return text
    }
}

/// The timeline's entries, shared by its rows.
final class TimelineLines {
    let lines: [PostmortemFacts.TimelineLine]
    let clock: MinuteClock

    init(_ lines: [PostmortemFacts.TimelineLine], clock: MinuteClock) {
        self.lines = lines
        self.clock = clock
    }
}

/// One timeline row for a template, formatted field by field as the template asks for it: building a dictionary
/// for each of 100,000 entries cost more than rendering them. The fields are `PostmortemVariables`' `timeline` row;
/// a name it does not know is nil, so Mustache looks further out, as with any object.
public struct TimelineRow: MustacheParent {
    let lines: TimelineLines
    let index: Int

    public func child(named name: String) -> Any? {
        let line = lines.lines[index]
        switch name {
        case "id": return RenderedText(String(line.id))
        case "time": return RenderedText(lines.clock.text(line.occurredAt))
        case "kind": return RenderedText(line.kind.rawValue)
        case "actor": return RenderedText(PostmortemContext.md(line.actor))
        case "text": return RenderedText(PostmortemContext.md(line.text))
        case "corrected": return line.original != nil
        case "original": return line.original.map { RenderedText(PostmortemContext.md($0)) as Any } ?? NSNull()
        case "corrected_by":
            return line.correctedBy.isEmpty ? NSNull() : RenderedText(line.correctedBy.map { "#\($0)" }.joined(separator: ", "))
        case "backdated": return line.isBackdated
        case "recorded": return RenderedText(lines.clock.text(line.recordedAt))
        case "entry":
            // One cell instead of three sections per row: a long timeline renders a third faster.
            var cell = PostmortemContext.md(line.text)
            if let original = line.original {
                let by = line.correctedBy.map { "#\($0)" }.joined(separator: ", ")
                cell += " _(corrected by \(by); first written: “\(PostmortemContext.md(original))”)_"
            }
            if line.isBackdated { cell += " _(recorded \(lines.clock.text(line.recordedAt)))_" }
            return RenderedText(cell)
        default: return nil
        }
    }
}

/// Text already made safe, handed to swift-mustache as a renderable: it is printed as it is, without the type
/// checks and `String(describing:)` a plain value goes through, which is most of the cost of a 100,000-row table.
/// Transforms (`uppercased(kind)`) work as on any text.
struct RenderedText: MustacheCustomRenderable, MustacheTransformable {
    let text: String

    init(_ text: String) { self.text = text }

    var renderText: String { text }
    var isNull: Bool { false }

    func transform(_ name: String) -> Any? { text.transform(name) }
}
