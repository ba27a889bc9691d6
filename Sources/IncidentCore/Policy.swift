import Foundation

/// The configurable numbers of incident handling; `standard` holds the product defaults.
public struct Policy: Sendable, Equatable {
    /// How often a status update is due at each severity.
    public var cadence: [Severity: Duration]
    /// How long before an update is due the console starts reminding.
    public var reminderLead: Duration
    /// How long an L1/L2 incident must be monitored before it may be resolved without an override.
    public var monitoringPeriod: Duration
    /// Severities whose resolution needs the monitoring period.
    public var monitoredSeverities: Set<Severity>
    /// How far in the future an entry's time may lie before it is refused (clock skew between terminals).
    public var futureTolerance: Duration
    /// How far before its incident's declaration (a declaration: before now) a person may backdate an entry.
    public var backdateLimit: Duration

    public init(
        cadence: [Severity: Duration],
        reminderLead: Duration,
        monitoringPeriod: Duration,
        monitoredSeverities: Set<Severity>,
        futureTolerance: Duration,
        backdateLimit: Duration = .seconds(30 * 24 * 3600)
    ) {
        self.cadence = cadence
        self.reminderLead = reminderLead
        self.monitoringPeriod = monitoringPeriod
        self.monitoredSeverities = monitoredSeverities
        self.futureTolerance = futureTolerance
        self.backdateLimit = backdateLimit
    }

    /// No entry a person types is older than this (2000-01-01T00:00:00Z): an earlier year is a typo.
    public static let earliestTime = Date(timeIntervalSince1970: 946_684_800)

    public static let standard = Policy(
        cadence: [.l1: .seconds(15 * 60), .l2: .seconds(15 * 60), .l3: .seconds(30 * 60), .l4: .seconds(60 * 60)],
        reminderLead: .seconds(2 * 60),
        monitoringPeriod: .seconds(30 * 60),
        monitoredSeverities: [.l1, .l2],
        futureTolerance: .seconds(60)
    )

    /// The status-update cadence for a severity.
    public func cadence(for severity: Severity) -> Duration {
        cadence[severity] ?? Policy.standard.cadence[severity]!
    }
}

extension Duration {
    /// The duration as seconds, for date arithmetic.
    public var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}
