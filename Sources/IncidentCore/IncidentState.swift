import Foundation

/// A severity held from `since` until the next change.
public struct SeverityPeriod: Sendable, Equatable {
    public var severity: Severity
    public var since: Date
}

/// A lifecycle state entered at `since`.
public struct LifecyclePeriod: Sendable, Equatable {
    public var state: LifecycleState
    public var since: Date
}

/// An incident as the fold of its events. Built only by `apply`; rules read it.
public struct IncidentState: Sendable, Equatable {
    public private(set) var id: IncidentID
    public private(set) var title: String
    public private(set) var impact: String?
    public private(set) var isDrill: Bool
    public private(set) var declaredAt: Date
    public private(set) var declaredBy: String
    public private(set) var severity: Severity
    public private(set) var lifecycle: LifecycleState
    /// Every severity held, oldest first.
    public private(set) var severityHistory: [SeverityPeriod]
    /// Every lifecycle state entered, oldest first.
    public private(set) var lifecycleHistory: [LifecyclePeriod]
    /// Handed-out roles; the commander holds every role not listed.
    public private(set) var roles: [String: String]
    /// Roles offered and not yet accepted or declined, by role (Handoff.swift).
    public private(set) var handoffs: [String: PendingHandoff] = [:]
    public private(set) var lastStatusUpdateAt: Date?
    /// When the severity last changed (not set by the declaration).
    public private(set) var lastSeverityChangeAt: Date?
    /// The time of the latest state or severity change, declaration included; a new change may not be earlier.
    public private(set) var lastChangeAt: Date
    /// The earliest time any entry says something happened (a backdated alert is the first signal).
    public private(set) var firstSignalAt: Date
    /// For each corrected entry, its corrections in log order.
    public private(set) var corrections: [EventID: [EventID]]
    /// Postmortems generated so far (PostmortemEvent.swift).
    public private(set) var postmortem = PostmortemStatus()
    /// Pages and acknowledgements (Paging.swift).
    public private(set) var paging = PagingState()
    /// Attached runbooks and their steps (RunbookProgress.swift).
    public private(set) var runbooks = RunbookProgress(tags: [])
    /// A drill's scenario, injects and end (DrillEvent.swift); `nil` for incidents and before the scenario is recorded.
    public private(set) var drill: DrillState?
    /// Status updates sent and their deliveries (DeliveryEvent.swift).
    public private(set) var broadcast = BroadcastState()
    /// Ids of every event folded in, for validating corrections.
    public private(set) var eventIDs: Set<EventID>
    public private(set) var lastEventID: EventID
    public private(set) var eventCount: Int

    /// Starts an incident from its declaration event; `nil` if the event is not a declaration.
    public init?(declaration event: Event) {
        guard case .declared(let d) = event.payload else { return nil }
        id = event.incident
        title = d.title
        impact = d.impact
        isDrill = d.isDrill
        declaredAt = event.occurredAt
        declaredBy = event.actor
        severity = d.severity
        lifecycle = .declared
        severityHistory = [SeverityPeriod(severity: d.severity, since: event.occurredAt)]
        lifecycleHistory = [LifecyclePeriod(state: .declared, since: event.occurredAt)]
        roles = [Role.commander: event.actor]
        lastStatusUpdateAt = nil
        lastSeverityChangeAt = nil
        lastChangeAt = event.occurredAt
        firstSignalAt = event.occurredAt
        corrections = [:]
        eventIDs = [event.id]
        lastEventID = event.id
        eventCount = 1
        runbooks = RunbookProgress(tags: d.tags)
    }

    /// Folds an incident's events, in log order, into its state; `nil` when the first is not a declaration.
    public static func fold<S: Sequence>(_ events: S) -> IncidentState? where S.Element == Event {
        var iterator = events.makeIterator()
        guard let first = iterator.next(), var state = IncidentState(declaration: first) else { return nil }
        while let event = iterator.next() { state.apply(event) }
        return state
    }

    /// The reducer: the only place state changes. Events are facts already validated by `decide`, so none is refused here.
    public mutating func apply(_ event: Event) {
        eventIDs.insert(event.id)
        lastEventID = max(lastEventID, event.id)
        eventCount += 1
        firstSignalAt = min(firstSignalAt, event.occurredAt)
        broadcast.apply(event, anchor: lastStatusUpdateAt ?? declaredAt, severity: severity, severityChangedAt: lastSeverityChangeAt)
        switch event.payload {
        case .declared:
            break
        case .note, .decision, .actionItem:
            break
        case .stateChanged(_, let to, _, _):
            lifecycle = to
            lifecycleHistory.append(LifecyclePeriod(state: to, since: event.occurredAt))
            lastChangeAt = max(lastChangeAt, event.occurredAt)
        case .severityChanged(_, let to, _):
            severity = to
            severityHistory.append(SeverityPeriod(severity: to, since: event.occurredAt))
            lastSeverityChangeAt = event.occurredAt
            lastChangeAt = max(lastChangeAt, event.occurredAt)
        case .roleAssigned(let role, let holder):
            roles[role] = holder
            handoffs[role] = nil
        case .correction(let target, _):
            corrections[target, default: []].append(event.id)
        case .statusUpdateSent:
            lastStatusUpdateAt = max(lastStatusUpdateAt ?? event.occurredAt, event.occurredAt)
        case .delivery:
            break
        case .postmortem(let e):
            postmortem.apply(e, from: event, lifecycle: lifecycle)
        case .paging(let e):
            paging.apply(e, from: event)
        case .runbook(let e):
            runbooks.apply(e, event)
        case .handoff(.offered(let role, let to, let from)):
            handoffs[role] = PendingHandoff(role: role, to: to, from: from, offeredAt: event.occurredAt, entry: event.id)
        case .handoff(.declined(let role, _)):
            handoffs[role] = nil
        case .drill(let e):
            if case .started(let scenario, let speed) = e, drill == nil {
                drill = DrillState(scenario: scenario, speed: speed, startedAt: event.occurredAt)
            }
            drill?.apply(e, from: event)
        }
    }

    /// Who holds a role: its holder if handed out, else the incident commander.
    public func holder(of role: String) -> String {
        roles[role] ?? roles[Role.commander] ?? declaredBy
    }

    /// The incident commander.
    public var commander: String { holder(of: Role.commander) }

    /// Still being worked: not resolved or closed, and, for a drill, not ended. What "the active incident" means to
    /// commands that may leave `--incident` out, to the console's picker, and to the clocks that nag.
    public var isUnderWay: Bool { lifecycle.isActive && !(drill?.isOver ?? false) }

    /// When the incident entered a state most recently, if it ever did.
    public func enteredAt(_ state: LifecycleState) -> Date? {
        lifecycleHistory.last(where: { $0.state == state })?.since
    }
}
