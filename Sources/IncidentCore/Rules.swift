import Foundation

/// Something a person asks an incident to record; `decide` turns it into an event payload or refuses it.
public enum IncidentCommand: Sendable, Equatable {
    case note(String)
    case decision(String)
    case actionItem(String)
    case changeState(to: LifecycleState, reason: String?, override: String?)
    case changeSeverity(to: Severity, reason: String)
    /// Offer a role; it changes hands when the new holder accepts (Handoff.swift).
    case assignRole(role: String, holder: String)
    /// The person a role was offered to takes it; `nil` names the only handoff waiting.
    case acceptRole(String?)
    /// The person a role was offered to refuses it; the holder keeps it.
    case declineRole(String?)
    case correct(EventID, text: String)
    case recordStatusUpdate(message: String)
    /// Attach a runbook, or check, skip or reopen a step (RunbookProgress.swift).
    case runbook(RunbookAction)
    /// Page someone or record an acknowledgement (Paging.swift).
    case paging(PagingCommand)
    /// Record a drill's scenario, fire an inject, or end the drill (DrillEvent.swift).
    case drill(DrillCommand)
}

/// Why a command was refused. The description says what is legal instead.
public enum RuleError: Error, Equatable, Sendable, CustomStringConvertible {
    case emptyText(what: String)
    case incidentClosed(IncidentID)
    case illegalTransition(IncidentID, from: LifecycleState, to: LifecycleState, legal: [LifecycleState])
    case alreadyInState(IncidentID, LifecycleState)
    case sameSeverity(IncidentID, Severity)
    case severityAfterResolution(IncidentID, LifecycleState)
    case reasonRequired(what: String)
    case monitoringTooShort(IncidentID, severity: Severity, monitored: TimeInterval, required: TimeInterval)
    case postmortemRequired(IncidentID)
    case inFuture(by: TimeInterval)
    /// Backdated further than `backdate_limit` before `since` (the declaration, or now for a declaration).
    case tooFarBack(given: Date, limit: TimeInterval, since: String)
    /// Before 2000-01-01.
    case implausiblyOld(given: Date)
    /// A name holding a control, bidirectional or zero-width character (its code point).
    case unsafeName(what: String, name: String, character: UInt32)
    case beforeLastChange(by: TimeInterval)
    case unknownEntry(EventID, IncidentID)
    case runbook(RunbookRuleError)
    case paging(PagingError)
    case drill(DrillRuleError)
    case handoff(HandoffError)

    public var description: String {
        switch self {
        case .emptyText(let what):
            return "\(what) is empty"
        case .incidentClosed(let id):
            return "\(id) is closed; nothing more can be recorded on it"
        case .illegalTransition(let id, let from, let to, let legal):
            let options = legal.isEmpty ? "none" : legal.map(\.rawValue).joined(separator: ", ")
            return "\(id) cannot move from \(from.rawValue) to \(to.rawValue); legal now: \(options)"
        case .alreadyInState(let id, let state):
            return "\(id) is already \(state.rawValue)"
        case .sameSeverity(let id, let severity):
            return "\(id) is already \(severity.rawValue)"
        case .severityAfterResolution(let id, let state):
            return "\(id) is \(state.rawValue); its severity can no longer change"
        case .reasonRequired(let what):
            return "\(what) needs a reason"
        case .monitoringTooShort(let id, let severity, let monitored, let required):
            return "\(id) is \(severity.rawValue): it must be monitored for \(DurationText.short(required)) before it is resolved; "
                + "monitored for \(DurationText.short(monitored)), \(DurationText.short(required - monitored)) to go "
                + "(override with a reason to resolve now)"
        case .postmortemRequired(let id):
            return "\(id) can be closed only after its postmortem has been generated since it was resolved (warroom postmortem)"
        case .inFuture(let by):
            return "that time is \(DurationText.short(by)) in the future"
        case .tooFarBack(let given, let limit, let since):
            let span = limit.truncatingRemainder(dividingBy: 86400) == 0
                ? "\(Int(limit / 86400)) day\(limit == 86400 ? "" : "s")" : DurationText.short(limit)
            return "\(Self.utc(given)) is more than \(span) before \(since): an entry may be backdated at most \(span) "
                + "(backdate_limit in warroom.yaml changes that)"
        case .implausiblyOld(let given):
            return "\(Self.utc(given)) is before 2000-01-01: check the year"
        case .unsafeName(let what, let name, let character):
            let hex = String(character, radix: 16, uppercase: true)
            let shown = InertText.make(name.count > 60 ? String(name.prefix(57)) + "…" : name)
            return "\(what) \"\(shown)\" contains an invisible or control character "
                + "(U+\(String(repeating: "0", count: max(0, 4 - hex.count)) + hex)); "
                + "names may use letters of any script, digits, spaces and punctuation"
        case .beforeLastChange(let by):
            return "that time is \(DurationText.short(by)) before the incident's last state or severity change; changes must be recorded in order"
        case .unknownEntry(let entry, let id):
            return "\(id) has no entry #\(entry)"
        case .runbook(let error):
            return error.description
        case .paging(let error):
            return error.description
        case .drill(let error):
            return error.description
        case .handoff(let error):
            return error.description
        }
    }
}

extension RuleError {
    /// A time in messages: UTC, to the minute, readable without knowing the terminal's zone.
    static func utc(_ date: Date) -> String {
        TimeText(timeZone: TimeZone(identifier: "UTC")!).dayAndMinute(date) + " UTC"
    }
}

extension IncidentState {
    /// A time a person typed must lie between `backdate_limit` before `anchor` (and 2000-01-01) and a little after
    /// now. Machine-sent times (alerts) are not checked here: refusing them would lose the alert.
    static func checkPlausible(_ occurredAt: Date, now: Date, anchor: Date, since: String, policy: Policy) throws(RuleError) {
        let ahead = occurredAt.timeIntervalSince(now)
        if ahead > policy.futureTolerance.seconds { throw .inFuture(by: ahead) }
        if occurredAt < Policy.earliestTime { throw .implausiblyOld(given: occurredAt) }
        let limit = policy.backdateLimit.seconds
        if anchor.timeIntervalSince(occurredAt) > limit { throw .tooFarBack(given: occurredAt, limit: limit, since: since) }
    }

    /// Validates a command against the incident as it stands and returns the event payload to record.
    /// `occurredAt` is when it happened (backdated or now); `now` is the clock.
    public func decide(
        _ command: IncidentCommand, at occurredAt: Date, now: Date, policy: Policy = .standard
    ) throws(RuleError) -> EventPayload {
        if lifecycle == .closed { throw .incidentClosed(id) }
        try Self.checkPlausible(occurredAt, now: now, anchor: declaredAt, since: "\(id) was declared", policy: policy)

        switch command {
        case .note(let text):
            return .note(try Self.required(text, "the note"))
        case .decision(let text):
            return .decision(try Self.required(text, "the decision"))
        case .actionItem(let text):
            return .actionItem(try Self.required(text, "the action item"))

        case .changeState(let to, let reason, let override):
            if to == lifecycle { throw .alreadyInState(id, to) }
            guard lifecycle.legalNext.contains(to) else {
                throw .illegalTransition(id, from: lifecycle, to: to, legal: lifecycle.legalNext)
            }
            try checkOrder(occurredAt)
            let override = Self.trimmed(override)
            if to == .resolved, policy.monitoredSeverities.contains(severity), override == nil {
                let monitored = occurredAt.timeIntervalSince(enteredAt(.monitoring) ?? occurredAt)
                let required = policy.monitoringPeriod.seconds
                if monitored < required {
                    throw .monitoringTooShort(id, severity: severity, monitored: monitored, required: required)
                }
            }
            if to == .closed, !postmortem.permitsClosing { throw .postmortemRequired(id) }
            return .stateChanged(from: lifecycle, to: to, reason: Self.trimmed(reason), override: override)

        case .changeSeverity(let to, let reason):
            guard lifecycle.isActive else { throw .severityAfterResolution(id, lifecycle) }
            if to == severity { throw .sameSeverity(id, to) }
            guard let reason = Self.trimmed(reason) else { throw .reasonRequired(what: "a severity change") }
            try checkOrder(occurredAt)
            return .severityChanged(from: severity, to: to, reason: reason)

        case .assignRole(let role, let holder):
            let role = Role.canonical(try Self.name(role, "the role"))
            return try decideOffer(role: role, holder: try Self.name(holder, "the role holder"), at: occurredAt)
        case .acceptRole(let role):
            let pending = try pendingHandoff(role)
            return .roleAssigned(role: pending.role, holder: pending.to)
        case .declineRole(let role):
            let pending = try pendingHandoff(role)
            return .handoff(.declined(role: pending.role, by: pending.to))

        case .correct(let target, let text):
            guard eventIDs.contains(target) else { throw .unknownEntry(target, id) }
            return .correction(of: target, text: try Self.required(text, "the correction"))

        case .recordStatusUpdate(let message):
            return .statusUpdateSent(message: try Self.required(message, "the status update"))

        case .runbook(let action):
            return try decideRunbook(action)

        case .paging(let command):
            let payload = try decidePaging(command, at: occurredAt)
            try checkDrillAcknowledgement(payload)
            return payload

        case .drill(let command):
            return try decideDrill(command, at: occurredAt)
        }
    }

    private func checkOrder(_ occurredAt: Date) throws(RuleError) {
        let behind = lastChangeAt.timeIntervalSince(occurredAt)
        if behind > 0 { throw .beforeLastChange(by: behind) }
    }

    private static func trimmed(_ text: String?) -> String? {
        guard let t = text?.trimmingCharacters(in: .whitespacesAndNewlines), !t.isEmpty else { return nil }
        return t
    }

    private static func required(_ text: String, _ what: String) throws(RuleError) -> String {
        guard let t = trimmed(text) else { throw .emptyText(what: what) }
        return t
    }

    /// A name shown on every screen and in every report: letters of any script, but nothing that could drive a
    /// terminal or hide or reorder text.
    private static func name(_ text: String, _ what: String) throws(RuleError) -> String {
        let t = try required(text, what)
        if let bad = t.unicodeScalars.first(where: InertText.isMarked) {
            throw .unsafeName(what: what, name: t, character: bad.value)
        }
        return t
    }
}

extension Declaration {
    /// Validates a new declaration: a title, and a time neither in the future nor implausibly far back.
    public func validated(at occurredAt: Date, now: Date, policy: Policy = .standard) throws(RuleError) -> Declaration {
        try IncidentState.checkPlausible(occurredAt, now: now, anchor: now, since: "now", policy: policy)
        let title = title.trimmingCharacters(in: .whitespacesAndNewlines)
        if title.isEmpty { throw .emptyText(what: "the title") }
        var copy = self
        copy.title = title
        copy.impact = impact.flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.flatMap { $0.isEmpty ? nil : $0 }
        copy.tags = try Declaration.validTags(tags)
        return copy
    }
}
