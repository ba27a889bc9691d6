import Foundation

/// Postmortem entries: writing the document is itself a timeline event, and closing waits for one.
public enum PostmortemEvent: Sendable, Equatable {
    /// A postmortem was written to `path` from the incident's entries up to and including `throughEvent`.
    /// `digest` fingerprints the text written, so a later generation can tell whether people have edited the file.
    case generated(path: String, throughEvent: EventID, digest: String)
}

/// One generation of an incident's postmortem, as the timeline recorded it.
public struct PostmortemGeneration: Sendable, Equatable {
    public var path: String
    public var throughEvent: EventID
    public var digest: String
    public var at: Date
    public var by: String
    /// The incident's lifecycle state when it was generated: only one written once resolved covers the whole incident.
    public var lifecycle: LifecycleState
}

/// What the incident knows about its postmortems; `IncidentState.postmortem` holds it.
public struct PostmortemStatus: Sendable, Equatable {
    /// Every generation, in log order.
    public private(set) var generations: [PostmortemGeneration] = []

    public init() {}

    /// The most recent generation, if any.
    public var latest: PostmortemGeneration? { generations.last }

    /// The most recent generation written to `path`.
    public func latest(at path: String) -> PostmortemGeneration? { generations.last { $0.path == path } }

    /// Whether the incident may be closed: a postmortem was generated after it was resolved. A draft written
    /// while the outage was still running misses how it ended, so it does not count.
    public var permitsClosing: Bool { generations.contains { $0.lifecycle == .resolved } }

    mutating func apply(_ event: PostmortemEvent, from entry: Event, lifecycle: LifecycleState) {
        switch event {
        case .generated(let path, let through, let digest):
            generations.append(PostmortemGeneration(path: path, throughEvent: through, digest: digest,
                                                    at: entry.occurredAt, by: entry.actor, lifecycle: lifecycle))
        }
    }
}

extension PostmortemEvent {
    /// The raw kind of every postmortem entry.
    public var kind: EventKind { .postmortem }

    /// One line a person reads on the timeline.
    public var summary: String {
        switch self {
        case .generated(let path, let through, _): "postmortem written to \(path) (entries up to #\(through))"
        }
    }

    /// The event as store columns: the path in `text`, the last covered entry in `ref`, the digest in `value`.
    public var columns: EventColumns {
        switch self {
        case .generated(let path, let through, let digest):
            EventColumns(kind: EventKind.postmortem.rawValue, text: path, value: digest, ref: through)
        }
    }

    /// Rebuilds the event from store columns.
    public init(columns c: EventColumns) throws(EventDecodingError) {
        guard let path = c.text, !path.isEmpty else { throw EventDecodingError(kind: c.kind, problem: "no path") }
        guard let through = c.ref else { throw EventDecodingError(kind: c.kind, problem: "no last entry") }
        guard let digest = c.value else { throw EventDecodingError(kind: c.kind, problem: "no digest") }
        self = .generated(path: path, throughEvent: through, digest: digest)
    }
}

extension IncidentState {
    /// Validates recording that a postmortem was written to `path` from the entries up to `throughEvent`.
    /// Any state but closed may have one generated: drafts during the outage are useful; only one written after
    /// resolution lets the incident close.
    public func decidePostmortem(
        path: String, throughEvent: EventID, digest: String, at occurredAt: Date, now: Date, policy: Policy = .standard
    ) throws(RuleError) -> EventPayload {
        if lifecycle == .closed { throw .incidentClosed(id) }
        let ahead = occurredAt.timeIntervalSince(now)
        if ahead > policy.futureTolerance.seconds { throw .inFuture(by: ahead) }
        let path = path.trimmingCharacters(in: .whitespacesAndNewlines)
        if path.isEmpty { throw .emptyText(what: "the postmortem's path") }
        guard eventIDs.contains(throughEvent) else { throw .unknownEntry(throughEvent, id) }
        return .postmortem(.generated(path: path, throughEvent: throughEvent, digest: digest))
    }
}
