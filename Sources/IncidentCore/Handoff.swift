import Foundation

// Role handoffs: handing a role to someone is an offer, and the role changes hands only when they accept it
// ("you are now the incident commander" — "I have command"). Until then the current holder keeps it.

/// Offers and refusals of a role on the timeline; the acceptance is the `roleAssigned` entry.
public enum HandoffEvent: Sendable, Equatable {
    /// `from` holds the role until `to` accepts.
    case offered(role: String, to: String, from: String)
    /// `to` said no; the holder keeps the role.
    case declined(role: String, by: String)
}

/// A role offered and not yet accepted or declined.
public struct PendingHandoff: Sendable, Equatable {
    public var role: String
    public var to: String
    public var from: String
    public var offeredAt: Date
    /// The offer's entry.
    public var entry: EventID
}

/// Why a handoff command was refused.
public enum HandoffError: Error, Equatable, Sendable, CustomStringConvertible {
    case alreadyHolds(role: String, holder: String)
    case alreadyOffered(role: String, to: String, at: Date)
    /// `role` is nil when none was named.
    case nothingOffered(IncidentID, role: String?, pending: [String])
    case ambiguous(IncidentID, pending: [String])

    public var description: String {
        switch self {
        case .alreadyHolds(let role, let holder):
            "\(holder) already holds \(Role.displayName(role))"
        case .alreadyOffered(let role, let to, _):
            "\(Role.displayName(role)) is already offered to \(to), who takes it by accepting (/accept \(role), warroom role \(role) --accept)"
        case .nothingOffered(let id, let role, let pending):
            "no handoff\(role.map { " of \(Role.displayName($0))" } ?? "") is waiting on \(id)"
                + (pending.isEmpty ? "; offer a role with /role ROLE NAME" : " (waiting: \(pending.joined(separator: ", ")))")
        case .ambiguous(let id, let pending):
            "several handoffs are waiting on \(id) (\(pending.joined(separator: ", "))); name the role"
        }
    }
}

extension IncidentState {
    /// The role a person means by `/accept` or `/decline`: the one named, or the only handoff waiting when none is.
    public func pendingHandoff(_ role: String?) throws(RuleError) -> PendingHandoff {
        let waiting = handoffs.keys.sorted()
        guard let role, !role.trimmingCharacters(in: .whitespaces).isEmpty else {
            guard waiting.count == 1, let only = handoffs[waiting[0]] else {
                if waiting.isEmpty { throw .handoff(.nothingOffered(id, role: nil, pending: [])) }
                throw .handoff(.ambiguous(id, pending: waiting))
            }
            return only
        }
        let key = Role.canonical(role)
        guard let pending = handoffs[key] else { throw .handoff(.nothingOffered(id, role: key, pending: waiting)) }
        return pending
    }

    /// Validates offering `role` to `holder` (called by `decide`).
    func decideOffer(role: String, holder: String, at occurredAt: Date) throws(RuleError) -> EventPayload {
        let current = self.holder(of: role)
        if current.caseInsensitiveCompare(holder) == .orderedSame { throw .handoff(.alreadyHolds(role: role, holder: current)) }
        if let pending = handoffs[role], pending.to.caseInsensitiveCompare(holder) == .orderedSame {
            throw .handoff(.alreadyOffered(role: role, to: pending.to, at: pending.offeredAt))
        }
        return .handoff(.offered(role: role, to: holder, from: current))
    }
}

extension HandoffEvent {
    /// One line a person reads on the timeline.
    public var summary: String {
        switch self {
        case .offered(let role, let to, let from):
            "\(from) hands \(Role.displayName(role)) to \(to); \(from) keeps it until \(to) accepts"
        case .declined(let role, let by):
            "\(by) declined \(Role.displayName(role))"
        }
    }

    /// The event as store columns: the role in `value`; an offer's new holder in `text` and current one in `prior`;
    /// a refusal's person in `text` and `declined` in `reason`.
    var columns: EventColumns {
        switch self {
        case .offered(let role, let to, let from):
            EventColumns(kind: EventKind.handoff.rawValue, text: to, value: role, prior: from)
        case .declined(let role, let by):
            EventColumns(kind: EventKind.handoff.rawValue, text: by, value: role, reason: "declined")
        }
    }

    init(columns c: EventColumns) throws(EventDecodingError) {
        guard let role = c.value, let who = c.text else { throw EventDecodingError(kind: c.kind, problem: "no role or person") }
        if c.reason == "declined" {
            self = .declined(role: role, by: who)
        } else {
            guard let from = c.prior else { throw EventDecodingError(kind: c.kind, problem: "no current holder") }
            self = .offered(role: role, to: who, from: from)
        }
    }
}
