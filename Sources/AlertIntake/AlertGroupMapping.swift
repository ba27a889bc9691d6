import Foundation

/// One alert of a group as the store has recorded it.
public struct KnownAlert: Sendable, Equatable {
    public var status: AlertStatus
    public var startsAt: Date
    public var endsAt: Date?

    public init(status: AlertStatus, startsAt: Date, endsAt: Date? = nil) {
        self.status = status
        self.startsAt = startsAt
        self.endsAt = endsAt
    }
}

/// What the store has recorded of one alert group (an incident's or a pending alert's).
public struct KnownGroup: Sendable, Equatable {
    /// By fingerprint.
    public var alerts: [String: KnownAlert]
    /// The last `truncatedAlerts` recorded, so a repeat of the same count records nothing.
    public var truncatedAlerts: Int
    /// Whether mitigation has already been proposed since the group last fired, so a repeated resolved
    /// notification does not propose it again.
    public var mitigationProposed: Bool

    public init(alerts: [String: KnownAlert] = [:], truncatedAlerts: Int = 0, mitigationProposed: Bool = false) {
        self.alerts = alerts
        self.truncatedAlerts = truncatedAlerts
        self.mitigationProposed = mitigationProposed
    }

    /// A group the store has never seen.
    public static let unseen = KnownGroup()

    /// The group after `decision` is recorded: what the store layer folds its entries back into.
    public func applying(_ decision: MappingDecision) -> KnownGroup {
        var next = self
        for change in decision.changes {
            let alert = change.alert
            switch change.kind {
            case .firing, .refired:
                next.alerts[alert.fingerprint] = KnownAlert(status: .firing, startsAt: alert.startsAt)
                next.mitigationProposed = false
            case .resolved:
                next.alerts[alert.fingerprint] = KnownAlert(status: .resolved, startsAt: alert.startsAt, endsAt: alert.endsAt)
            }
        }
        if let truncated = decision.truncatedAlerts { next.truncatedAlerts = truncated }
        if decision.proposeMitigation { next.mitigationProposed = true }
        return next
    }
}

/// Why an alert's `startsAt` is doubtful; recorded beside the alert, never a reason to refuse it.
public enum StartFlag: Sendable, Equatable {
    /// Later than now by more than the tolerance: a skewed clock at the sender.
    case inFuture(by: TimeInterval)
    /// Before 2000, or further before now than `MappingPolicy.maxAge`.
    case implausiblyOld
}

/// One thing to record about one alert.
public struct AlertChange: Sendable, Equatable {
    /// What happened to the alert.
    public enum Kind: Sendable, Equatable {
        /// First seen, firing.
        case firing
        /// Resolved (its `endsAt` when the sender gave one), including an alert first seen already resolved.
        case resolved
        /// Firing again after it resolved, or firing with a later `startsAt` than recorded (the resolution
        /// notification was missed).
        case refired
    }

    public var kind: Kind
    public var alert: Alert
    public var startFlag: StartFlag?
}

/// The limits that make a `startsAt` doubtful.
public struct MappingPolicy: Sendable, Equatable {
    /// Clocks drift; a start this far ahead of now is still taken at its word.
    public var futureTolerance: TimeInterval
    /// A start further back than this when first seen is flagged.
    public var maxAge: TimeInterval

    public init(futureTolerance: TimeInterval = 300, maxAge: TimeInterval = 365 * 86400) {
        self.futureTolerance = futureTolerance
        self.maxAge = maxAge
    }

    public static let standard = MappingPolicy()

    /// 2000-01-01T00:00:00Z, as the core's backdating rule puts it.
    static let earliestPlausible = Date(timeIntervalSince1970: 946_684_800)

    func flag(_ startsAt: Date, now: Date) -> StartFlag? {
        let ahead = startsAt.timeIntervalSince(now)
        if ahead > futureTolerance { return .inFuture(by: ahead) }
        if startsAt < Self.earliestPlausible || -ahead > maxAge { return .implausiblyOld }
        return nil
    }
}

/// What to record for one notification about a group, before any of it is written.
public struct MappingDecision: Sendable, Equatable {
    /// In the notification's order.
    public var changes: [AlertChange]
    /// Every alert of the group has now resolved: propose mitigation (never change the state).
    public var proposeMitigation: Bool
    /// The group's earliest trustworthy `startsAt`, when this notification makes it earlier than what was recorded
    /// (or gives the first one). Flagged starts are left out: a skewed clock must not set time-to-detect.
    public var firstSignal: Date?
    /// The sender left this many alerts out, when that differs from what was recorded.
    public var truncatedAlerts: Int?

    /// A repeat with nothing new: record nothing and answer 2xx.
    public var isEmpty: Bool { changes.isEmpty && !proposeMitigation && firstSignal == nil && truncatedAlerts == nil }
}

/// Maps notifications onto what is already recorded of their group.
public enum AlertGroupMapping {
    /// Pure, like the core's `decide`: `known` is read inside the store's transaction, and the result is written
    /// in that same transaction, so two receivers given the same notification record it once. Alerts are taken in
    /// order against a running copy of `known`, so a fingerprint listed twice counts once.
    public static func decide(_ notification: AlertNotification, known: KnownGroup, now: Date,
                              policy: MappingPolicy = .standard) -> MappingDecision {
        var group = known
        var changes: [AlertChange] = []
        for alert in notification.alerts {
            let kind: AlertChange.Kind?
            switch (group.alerts[alert.fingerprint], alert.status) {
            case (nil, .firing): kind = .firing
            case (nil, .resolved): kind = .resolved
            case (let recorded?, .firing):
                // A new `startsAt` is a new firing; the same one again is a repeat, or an HA replica's late copy
                // of a firing that has since resolved.
                kind = alert.startsAt > recorded.startsAt ? .refired : nil
            case (let recorded?, .resolved):
                // A resolved alert with a later `startsAt` than a recorded resolution fired and ended between two
                // notifications; that firing is worth its entry.
                let isNew = recorded.status == .firing ? alert.startsAt >= recorded.startsAt : alert.startsAt > recorded.startsAt
                kind = isNew ? .resolved : nil
            }
            guard let kind else { continue }
            let change = AlertChange(kind: kind, alert: alert, startFlag: policy.flag(alert.startsAt, now: now))
            changes.append(change)
            group = group.applying(MappingDecision(changes: [change], proposeMitigation: false, firstSignal: nil, truncatedAlerts: nil))
        }
        let allResolved = !group.alerts.isEmpty && group.alerts.values.allSatisfy { $0.status == .resolved }
        let propose = allResolved && !group.mitigationProposed && changes.contains { $0.kind == .resolved }
            && known.alerts.values.contains { $0.status == .firing }
        let earliestKnown = known.alerts.values.map(\.startsAt).filter { policy.flag($0, now: now) == nil }.min()
        let earliestNew = changes.filter { $0.startFlag == nil }.map(\.alert.startsAt).min()
        let firstSignal = earliestNew.flatMap { new in earliestKnown.map { new < $0 ? new : nil } ?? new }
        // A change back to 0 is recorded too, so the entry shown stops claiming alerts were left out.
        let truncated = notification.truncatedAlerts != known.truncatedAlerts ? notification.truncatedAlerts : nil
        return MappingDecision(changes: changes, proposeMitigation: propose, firstSignal: firstSignal, truncatedAlerts: truncated)
    }
}
