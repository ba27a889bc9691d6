import Foundation

/// How pressing the next status update is.
public enum UpdateUrgency: String, Sendable, Equatable {
    /// Not due yet, and not within the reminder lead.
    case scheduled
    /// Due within the reminder lead: remind the communications lead.
    case dueSoon
    /// Past due and not sent: the console alarms until one goes out.
    case overdue
}

/// When the next status update is due, and how pressing it is at a given moment.
public struct StatusUpdateClock: Sendable, Equatable {
    public var dueAt: Date
    public var urgency: UpdateUrgency
    /// Seconds until due; negative once overdue.
    public var remaining: TimeInterval
}

extension IncidentState {
    /// When the next status update is due; `nil` once the incident is resolved (or its drill has ended).
    /// A severity change makes one due at once; otherwise it is due a cadence after the last update, or after declaration.
    public func nextStatusUpdateDue(policy: Policy = .standard) -> Date? {
        guard isUnderWay else { return nil }
        let changed = lastSeverityChangeAt.flatMap { $0 > (lastStatusUpdateAt ?? .distantPast) ? $0 : nil }
        return Self.statusUpdateDue(after: lastStatusUpdateAt ?? declaredAt, severity: severity,
                                    severityChangedAt: changed, policy: policy)
    }

    /// The one rule for when an update is due: a cadence after `anchor` (the last update, or the declaration),
    /// or at once when the severity changed since — unless it was already due earlier, since an overdue update
    /// stays owed from when it fell due.
    public static func statusUpdateDue(after anchor: Date, severity: Severity, severityChangedAt: Date?, policy: Policy) -> Date {
        let regular = anchor.addingTimeInterval(policy.cadence(for: severity).seconds)
        guard let changed = severityChangedAt else { return regular }
        return min(regular, changed)
    }

    /// The status-update countdown at `now`; `nil` once resolved.
    public func statusUpdateClock(now: Date, policy: Policy = .standard) -> StatusUpdateClock? {
        guard let due = nextStatusUpdateDue(policy: policy) else { return nil }
        let remaining = due.timeIntervalSince(now)
        let urgency: UpdateUrgency =
            remaining < 0 ? .overdue : remaining <= policy.reminderLead.seconds ? .dueSoon : .scheduled
        return StatusUpdateClock(dueAt: due, urgency: urgency, remaining: remaining)
    }

    /// Time since declaration; frozen at resolution, or when a drill ends.
    public func elapsed(now: Date) -> TimeInterval {
        var end = lifecycle.isActive ? now : (enteredAt(.resolved) ?? now)
        if let ended = drill?.endedAt { end = min(end, ended) }
        return max(0, end.timeIntervalSince(declaredAt))
    }

    /// Time spent in monitoring so far, when the incident is monitoring.
    public func monitoredFor(now: Date) -> TimeInterval? {
        guard lifecycle == .monitoring, let since = enteredAt(.monitoring) else { return nil }
        return max(0, now.timeIntervalSince(since))
    }
}

/// Formats durations the way the console and CLI show them.
public enum DurationText {
    /// `45s`, `12m 03s`, `2h 05m`, `3d 04h`: the two largest units.
    /// Fractions are dropped toward zero, so `-90.5` reads `-1m 30s` like `90.5` reads `1m 30s`, and `-0.5` is `0s`.
    public static func short(_ interval: TimeInterval) -> String {
        let total = Int(interval.rounded(.towardZero))
        let s = abs(total)
        let sign = total < 0 ? "-" : ""
        let days = s / 86_400, hours = (s % 86_400) / 3600, minutes = (s % 3600) / 60, seconds = s % 60
        if days > 0 { return sign + "\(days)d \(pad(hours))h" }
        if hours > 0 { return sign + "\(hours)h \(pad(minutes))m" }
        if minutes > 0 { return sign + "\(minutes)m \(pad(seconds))s" }
        return sign + "\(seconds)s"
    }

    /// `12m`, `1h 05m`, `2d 03h 04m`: whole minutes, as the postmortem and the score card state durations
    /// (differences of times already truncated to the minute).
    public static func minutes(_ interval: TimeInterval) -> String {
        let total = Int((interval / 60).rounded(.towardZero))
        let sign = total < 0 ? "-" : ""
        let m = abs(total)
        let days = m / 1440, hours = (m % 1440) / 60, minutes = m % 60
        if days > 0 { return "\(sign)\(days)d \(pad(hours))h \(pad(minutes))m" }
        if hours > 0 { return "\(sign)\(hours)h \(pad(minutes))m" }
        return "\(sign)\(minutes)m"
    }

    /// `4:05`, `1:02:03`: a countdown or stopwatch reading of the magnitude.
    public static func clock(_ interval: TimeInterval) -> String {
        let s = abs(Int(interval.rounded(.towardZero)))
        let hours = s / 3600, minutes = (s % 3600) / 60, seconds = s % 60
        return hours > 0 ? "\(hours):\(pad(minutes)):\(pad(seconds))" : "\(minutes):\(pad(seconds))"
    }

    private static func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}
