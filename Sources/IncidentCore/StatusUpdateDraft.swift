import Foundation

/// Drafts a status update from the incident as it stands. The commander edits the draft before it goes out.
///
/// Tactical (responders): `[L1][mitigating] Title — impact — what we are doing now — next update by HH:MM`.
/// Executive (management, customers): status in plain words, impact and the next update; it never carries a
/// decision's text, where a fix time is most often promised.
public enum StatusUpdateDraft {
    public static func text(
        for state: IncidentState, audience: Audience, now: Date, policy: Policy = .standard, timeZone: TimeZone
    ) -> String {
        let clock = TimeText(timeZone: timeZone)
        let title = oneLine(state.title)
        let impact = state.impact.map(oneLine).flatMap { $0.isEmpty ? nil : $0 }
        let next = nextUpdate(state, now: now, policy: policy)
        let nextText = next.map { date in
            clock.differentDays(date, now) ? clock.dayAndMinute(date) : clock.minute(date)
        }
        switch audience {
        case .tactical:
            var parts = ["\(state.isDrill ? "[DRILL]" : "")[\(state.severity.rawValue)][\(state.lifecycle.rawValue)] \(title)"]
            parts.append(impact ?? "impact being assessed")
            parts.append(doingNow(state))
            parts.append(nextText.map { "next update by \($0)" } ?? "final update")
            return parts.joined(separator: " — ")
        case .executive:
            var s = "\(state.isDrill ? "[DRILL] " : "")\(title) (\(state.severity.rawValue): \(state.severity.meaning)). "
            s += "Status: \(plainStatus(state.lifecycle)). "
            s += "Impact: \(impact.map(sentence) ?? "being assessed.") "
            s += nextText.map { "Next update by \($0) \(clock.zoneLabel)." } ?? "This is the final update."
            return s
        }
    }

    /// When the update after this one will be due, if the incident is still active.
    public static func nextUpdate(_ state: IncidentState, now: Date, policy: Policy = .standard) -> Date? {
        guard state.lifecycle.isActive else { return nil }
        return now.addingTimeInterval(policy.cadence(for: state.severity).seconds)
    }

    /// What is being done now: the latest decision, else what the lifecycle state says.
    static func doingNow(_ state: IncidentState) -> String {
        if let decision = state.broadcast.latestDecision.map({ oneLine($0.text) }), !decision.isEmpty { return decision }
        switch state.lifecycle {
        case .declared: return "assessing the impact"
        case .investigating: return "investigating the cause"
        case .identified: return "cause identified, preparing a fix"
        case .mitigating: return "applying a mitigation"
        case .monitoring: return "fix in place, monitoring"
        case .resolved: return "resolved"
        case .closed: return "closed"
        }
    }

    /// The lifecycle as people outside the response read it.
    static func plainStatus(_ state: LifecycleState) -> String {
        switch state {
        case .declared: "we are aware of the problem and assessing it"
        case .investigating: "we are investigating the cause"
        case .identified: "the cause has been identified and a fix is being prepared"
        case .mitigating: "a fix is being applied"
        case .monitoring: "a fix is in place and we are monitoring the results"
        case .resolved: "resolved"
        case .closed: "resolved"
        }
    }

    /// A phrase that promises when a fix will land ("ETA 15:00", "fixed by 3pm", "resolved within 30 minutes"),
    /// if the text has one. Executive updates must not: the product promises status, impact and the next update only.
    public static func promisedFixTime(in text: String) -> String? {
        let patterns = [
            #"\bETA\b[^.;,]*"#,
            #"\b(fix(ed)?|resolv(ed|e)|resolution|restor(ed|e)|recover(ed|y)?|back( online| up)?|up again|available again)\s+(by|at|before|within|in|around|no later than)\s+(about\s+|approximately\s+|~)?(\d{1,2}([:.]\d{2})?(\s*(minutes?|mins?|hours?|hrs?|am|pm|utc|h|m)\b)?|noon|midnight|tonight|today|tomorrow|eod|end of (the )?day|the next (hour|few hours))"#,
            #"\b(expect(ed)?|should|will)\s+(to\s+)?(be\s+)?(fix(ed)?|resolved|restored|back|recovered)\s+(by|at|before|within|in)\s+\S+"#,
        ]
        for pattern in patterns {
            guard let regex = try? NSRegularExpression(pattern: pattern, options: [.caseInsensitive]) else { continue }
            let range = NSRange(text.startIndex..., in: text)
            if let match = regex.firstMatch(in: text, range: range), let r = Range(match.range, in: text) {
                return String(text[r]).trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }

    /// Updates are one line on most channels: line breaks and runs of blanks become single spaces. The text is
    /// stored, and the draft goes out to every channel as it is, so it is made inert here.
    static func oneLine(_ text: String) -> String {
        InertText.make(text.split(whereSeparator: { $0.isNewline || $0 == "\t" || $0 == " " }).joined(separator: " "))
    }

    private static func sentence(_ text: String) -> String {
        guard let last = text.last else { return text }
        return ".!?。！？".contains(last) ? text : text + "."
    }
}
