import Foundation

/// The one door to the event log. The SQLite store implements it; a shared server-backed store could too,
/// without the core, the CLI or the console changing.
public protocol EventStore: AnyObject, Sendable {
    /// Appends a declaration as a new incident, then, in the same transaction, the drafts `follow` returns for the
    /// new incident's state (the runbooks it attaches). The store allocates the id (`INC-n`, or `DRILL-n` for
    /// drills) and returns the events, declaration first, only after they are durably committed.
    func declare(_ draft: EventDraft, then follow: (IncidentState) throws -> [EventDraft]) throws -> [Event]

    /// Appends to an incident atomically: `decide` receives the incident's state including every other writer's
    /// events, and returns the drafts to append. Returns the stored events after they are durably committed.
    func append(to incident: IncidentID, _ decide: (IncidentState) throws -> [EventDraft]) throws -> [Event]

    /// One incident's events in log order.
    func events(of incident: IncidentID) throws -> [Event]

    /// Events of every incident appended after `id`, in log order, at most `limit` of them.
    func events(after id: EventID, limit: Int) throws -> [Event]

    /// Every incident in the workspace, folded, in declaration order.
    func incidents() throws -> [IncidentState]

    /// The newest event id in the store (0 when empty); it changes whenever anyone appends.
    func lastEventID() throws -> EventID
}

extension EventStore {
    /// Appends a declaration alone as a new incident and returns it once durably committed.
    public func declare(_ draft: EventDraft) throws -> Event {
        try declare(draft, then: { _ in [] })[0]
    }
}

/// Failures every store reports the same way.
public enum StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownIncident(IncidentID)
    case notADeclaration
    case damaged(String)

    public var description: String {
        switch self {
        case .unknownIncident(let id): "no incident \(id) in this workspace"
        case .notADeclaration: "a new incident must start with a declaration"
        case .damaged(let message): "the store is damaged: \(message)"
        }
    }
}

/// Picks the incident a command means when the user may leave `--incident` out.
public enum IncidentSelection {
    /// Why no single incident could be chosen.
    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        case unknown(String, known: [IncidentID])
        case noneActive
        case several([IncidentID])

        public var description: String {
            switch self {
            case .unknown(let id, let known):
                return "no incident \(id) in this workspace" + (known.isEmpty ? "" : " (known: \(known.joined(separator: ", ")))")
            case .noneActive:
                return "no active incident; declare one with `warroom declare`, or name one with --incident"
            case .several(let ids):
                return "several incidents are active (\(ids.joined(separator: ", "))); choose one with --incident"
            }
        }
    }

    /// Resolves `requested` (`INC-3`, `inc-3` or `3`), or the only active incident when nothing was requested.
    public static func resolve(_ requested: String?, among incidents: [IncidentState]) throws(Failure) -> IncidentState {
        if let requested {
            let wanted = requested.trimmingCharacters(in: .whitespaces).uppercased()
            let match = incidents.first { $0.id.uppercased() == wanted || $0.id.uppercased() == "INC-\(wanted)" }
            guard let match else { throw .unknown(requested, known: incidents.map(\.id)) }
            return match
        }
        let active = incidents.filter(\.isUnderWay)
        switch active.count {
        case 1: return active[0]
        case 0: throw .noneActive
        default: throw .several(active.map(\.id))
        }
    }
}
