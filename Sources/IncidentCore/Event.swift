import Foundation

/// The store's sequence number of an event; unique across the workspace, increasing in append order.
public typealias EventID = Int64

/// An incident's public id, such as `INC-12` (or `DRILL-3` for drills).
public typealias IncidentID = String

/// What an incident was declared with.
public struct Declaration: Sendable, Equatable {
    public var title: String
    public var severity: Severity
    public var impact: String?
    public var isDrill: Bool
    /// Lowercase words such as `storage`; tagged runbooks attach only to incidents sharing a tag.
    public var tags: [String]

    public init(title: String, severity: Severity, impact: String? = nil, isDrill: Bool = false, tags: [String] = []) {
        self.title = title
        self.severity = severity
        self.impact = impact
        self.isDrill = isDrill
        self.tags = tags
    }
}

/// What happened: the typed body of an event.
public enum EventPayload: Sendable, Equatable {
    case declared(Declaration)
    case note(String)
    case decision(String)
    case actionItem(String)
    case stateChanged(from: LifecycleState, to: LifecycleState, reason: String?, override: String?)
    case severityChanged(from: Severity, to: Severity, reason: String)
    case roleAssigned(role: String, holder: String)
    /// Amends the text of an earlier entry; the earlier entry stays in the log.
    case correction(of: EventID, text: String)
    /// A status update went out to the stakeholders; the broadcast cadence counts from it.
    case statusUpdateSent(message: String)
    /// A status update's way through the outbox to one channel (DeliveryEvent.swift).
    case delivery(DeliveryEvent)
    /// A postmortem was generated (PostmortemEvent.swift).
    case postmortem(PostmortemEvent)
    /// A page or an acknowledgement (Paging.swift).
    case paging(PagingEvent)
    /// A runbook attached, or one of its steps checked, skipped or reopened (RunbookProgress.swift).
    case runbook(RunbookEvent)
    /// A drill's scenario, an injected event or the drill's end (DrillEvent.swift).
    case drill(DrillEvent)
    /// A role offered to someone, or the offer declined (Handoff.swift); `roleAssigned` is the acceptance.
    case handoff(HandoffEvent)

    /// The kind, for storage, filtering and display.
    public var kind: EventKind {
        switch self {
        case .declared: .declared
        case .note: .note
        case .decision: .decision
        case .actionItem: .action
        case .stateChanged: .state
        case .severityChanged: .severity
        case .roleAssigned: .role
        case .correction: .correction
        case .statusUpdateSent: .broadcast
        case .delivery: .delivery
        case .postmortem(let e): e.kind
        case .paging(let e): e.kind
        case .runbook(let e): e.kind
        case .drill(let e): e.kind
        case .handoff: .handoff
        }
    }

    /// One line a person reads on the timeline.
    public var summary: String {
        switch self {
        case .declared(let d):
            var s = "declared \(d.severity.rawValue)\(d.isDrill ? " drill" : ""): \(d.title)"
            if let impact = d.impact, !impact.isEmpty { s += " — impact: \(impact)" }
            if !d.tags.isEmpty { s += " — tags: \(d.tags.joined(separator: ", "))" }
            return s
        case .note(let text), .decision(let text), .actionItem(let text):
            return text
        case .stateChanged(let from, let to, let reason, let override):
            var s = "\(from.rawValue) → \(to.rawValue)"
            if let reason, !reason.isEmpty { s += ": \(reason)" }
            if let override { s += " (monitoring period overridden: \(override))" }
            return s
        case .severityChanged(let from, let to, let reason):
            return "\(from.rawValue) → \(to.rawValue): \(reason)"
        case .roleAssigned(let role, let holder):
            return "\(holder) is \(Role.displayName(role))"
        case .correction(let id, let text):
            return "corrects #\(id): \(text)"
        case .statusUpdateSent(let message):
            return message
        case .delivery(let delivery):
            return delivery.summary
        case .postmortem(let e):
            return e.summary
        case .paging(let e):
            return e.summary
        case .runbook(let e):
            return e.summary
        case .drill(let e):
            return e.summary
        case .handoff(let e):
            return e.summary
        }
    }
}

/// The kinds of timeline entry.
public enum EventKind: String, CaseIterable, Sendable, Codable {
    case declared, note, decision, action, state, severity, role, correction, broadcast
    case delivery
    case postmortem
    case page, ack
    case runbook, step
    case drill, inject
    case handoff
}

/// One entry of the append-only log.
public struct Event: Sendable, Equatable, Identifiable {
    public var id: EventID
    public var incident: IncidentID
    /// When it happened (UTC); earlier than `recordedAt` for backdated entries.
    public var occurredAt: Date
    /// When it was written down.
    public var recordedAt: Date
    public var actor: String
    public var payload: EventPayload

    public init(id: EventID, incident: IncidentID, occurredAt: Date, recordedAt: Date, actor: String, payload: EventPayload) {
        self.id = id
        self.incident = incident
        self.occurredAt = occurredAt
        self.recordedAt = recordedAt
        self.actor = actor
        self.payload = payload
    }

    /// Whether the entry was written down later than it happened (by more than a minute).
    public var isBackdated: Bool { recordedAt.timeIntervalSince(occurredAt) > 60 }
}

/// An event not yet in the store: the store gives it its id.
public struct EventDraft: Sendable, Equatable {
    public var occurredAt: Date
    public var recordedAt: Date
    public var actor: String
    public var payload: EventPayload

    public init(occurredAt: Date, recordedAt: Date, actor: String, payload: EventPayload) {
        self.occurredAt = occurredAt
        self.recordedAt = recordedAt
        self.actor = actor
        self.payload = payload
    }

    /// The stored event this draft becomes.
    public func event(id: EventID, incident: IncidentID) -> Event {
        Event(id: id, incident: incident, occurredAt: occurredAt, recordedAt: recordedAt, actor: actor, payload: payload)
    }
}
