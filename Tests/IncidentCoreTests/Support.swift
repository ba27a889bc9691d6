import Foundation
import IncidentCore

// Every test runs on fixed instants: nothing reads the wall clock, so results never depend on when or where they run.

/// 2026-11-23T14:00:00Z, the moment every test incident is declared unless it says otherwise.
let base = Date(timeIntervalSince1970: 1_795_442_400)

/// `base` plus whole or fractional minutes (negative for earlier).
func minute(_ m: Double) -> Date { base.addingTimeInterval(m * 60) }

/// `base` plus seconds.
func second(_ s: Double) -> Date { base.addingTimeInterval(s) }

let utc = TimeZone(identifier: "UTC")!

/// A declaration event, id 1 unless told otherwise.
func declaration(
    _ incident: IncidentID = "INC-1", severity: Severity = .l2, at date: Date = base, by actor: String = "alice",
    title: String = "Checkout down", impact: String? = nil, drill: Bool = false, id: EventID = 1
) -> Event {
    Event(id: id, incident: incident, occurredAt: date, recordedAt: date, actor: actor,
          payload: .declared(Declaration(title: title, severity: severity, impact: impact, isDrill: drill)))
}

/// A freshly declared incident.
func declared(
    _ incident: IncidentID = "INC-1", severity: Severity = .l2, at date: Date = base, by actor: String = "alice"
) -> IncidentState {
    IncidentState(declaration: declaration(incident, severity: severity, at: date, by: actor))!
}

extension IncidentState {
    /// Runs a command through `decide` and folds the resulting event in, the way the store does.
    /// `now` defaults to the entry's own time, i.e. an entry typed as it happens.
    @discardableResult
    mutating func record(
        _ command: IncidentCommand, at occurredAt: Date, now: Date? = nil, by actor: String = "alice",
        policy: Policy = .standard
    ) throws(RuleError) -> Event {
        let now = now ?? occurredAt
        let payload = try decide(command, at: occurredAt, now: now, policy: policy)
        let event = Event(id: lastEventID + 1, incident: id, occurredAt: occurredAt, recordedAt: now, actor: actor,
                          payload: payload)
        apply(event)
        return event
    }

    /// Offers `role` to `holder` and has them accept it at once, as a handoff agreed on the bridge is recorded.
    mutating func handOff(_ role: String, to holder: String, at date: Date, by actor: String = "alice") throws(RuleError) {
        try record(.assignRole(role: role, holder: holder), at: date, by: actor)
        try record(.acceptRole(role), at: date, by: holder)
    }

    /// Applies a payload without asking `decide`: for states `decide` will not produce yet (closed) or raw reducer tests.
    @discardableResult
    mutating func force(_ payload: EventPayload, at occurredAt: Date, by actor: String = "alice") -> Event {
        let event = Event(id: lastEventID + 1, incident: id, occurredAt: occurredAt, recordedAt: occurredAt,
                          actor: actor, payload: payload)
        apply(event)
        return event
    }
}

/// The happy path, one minute per step; monitoring starts at minute 4 and lasts exactly the standard 30 minutes.
let pathTimes: [LifecycleState: Date] = [
    .declared: minute(0), .investigating: minute(1), .identified: minute(2), .mitigating: minute(3),
    .monitoring: minute(4), .resolved: minute(34), .closed: minute(40),
]

/// An incident walked along the happy path to `target` through `decide` (closing is forced: it needs a postmortem).
func incident(
    in target: LifecycleState, severity: Severity = .l2, _ incident: IncidentID = "INC-1"
) throws -> IncidentState {
    var state = declared(incident, severity: severity)
    let path: [LifecycleState] = [.investigating, .identified, .mitigating, .monitoring, .resolved, .closed]
    guard target != .declared else { return state }
    for next in path {
        if next == .closed {
            state.force(.stateChanged(from: .resolved, to: .closed, reason: nil, override: nil), at: pathTimes[.closed]!)
        } else {
            try state.record(.changeState(to: next, reason: nil, override: nil), at: pathTimes[next]!)
        }
        if next == target { break }
    }
    return state
}

/// Shorthand for a plain state change command.
func change(to state: LifecycleState, reason: String? = nil, override: String? = nil) -> IncidentCommand {
    .changeState(to: state, reason: reason, override: override)
}
