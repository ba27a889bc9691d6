import Foundation

// Runbooks in incidents: attaching a runbook (a snapshot of it, so later edits of the file do not rewrite a running
// incident's checklist), checking, skipping and un-checking its steps, and the checklist with its timeboxes as a
// pure function of (state, now).

// MARK: - Events

/// A runbook event: an attach or a step change. Wrapped by `EventPayload.runbook`.
public enum RunbookEvent: Sendable, Equatable {
    /// The runbook as it was when attached; the incident keeps this text whatever happens to the file.
    case attached(Runbook, trigger: AttachTrigger)
    case step(StepEvent)

    /// The event kind it is stored and shown as.
    public var kind: EventKind {
        switch self {
        case .attached: .runbook
        case .step: .step
        }
    }

    /// One timeline line.
    public var summary: String {
        switch self {
        case .attached(let runbook, let trigger):
            let steps = runbook.steps.count == 1 ? "1 step" : "\(runbook.steps.count) steps"
            return "attached \(runbook.id): \(runbook.title) (\(steps); \(trigger.summary))"
        case .step(let step):
            var s: String
            switch step.action {
            case .done: s = "done"
            case .skipped: s = "skipped"
            case .undone: s = "reopened"
            }
            // The step first: on a narrow timeline it is what must stay visible.
            s += " #\(step.number) \(step.text) (\(step.runbook)"
            if let reverts = step.reverts { s += "; takes back #\(reverts)" }
            s += ")"
            if let reason = step.reason { s += " — reason: \(reason)" }
            return s
        }
    }
}

/// Why a runbook was attached.
public enum AttachTrigger: Sendable, Equatable {
    /// It applies at this severity (and, for a tagged runbook, shares one of these incident tags).
    case matched(Severity, tags: [String])
    /// Someone attached it by name.
    case manual
    /// A drill scenario (its id) practises it.
    case drill(String)

    var summary: String {
        switch self {
        case .matched(let severity, let tags):
            tags.isEmpty ? "applies at \(severity.rawValue)" : "applies at \(severity.rawValue), tags \(tags.joined(separator: ", "))"
        case .manual: "attached by hand"
        case .drill(let scenario): "practised by drill \(scenario)"
        }
    }
}

/// What happened to one step of an attached runbook.
public enum StepAction: String, Sendable, Equatable, CaseIterable {
    case done, skipped
    /// Takes back the step's latest `done` or `skipped`, like a correction: the original stays in the log.
    case undone
}

/// A step checked, skipped or reopened. Carries the step's number and text as attached, so the timeline reads
/// without the runbook at hand.
public struct StepEvent: Sendable, Equatable {
    public var runbook: String
    public var step: String
    public var number: Int
    public var text: String
    public var action: StepAction
    /// Required for `skipped`; optional for `undone`.
    public var reason: String?
    /// For `undone`: the entry it takes back.
    public var reverts: EventID?

    public init(runbook: String, step: String, number: Int, text: String, action: StepAction,
                reason: String? = nil, reverts: EventID? = nil) {
        self.runbook = runbook
        self.step = step
        self.number = number
        self.text = text
        self.action = action
        self.reason = reason
        self.reverts = reverts
    }

    /// `runbook:step`, as typed on the command line.
    public var qualifiedID: String { "\(runbook):\(step)" }
}

// MARK: - Storage columns

extension RunbookEvent {
    /// Attaches keep the snapshot as JSON in `extra` (they are rare); step changes keep their ids there too and
    /// the step text in `text`, so a reader of the raw table sees what was checked.
    var columns: EventColumns {
        let kind = self.kind.rawValue
        switch self {
        case .attached(let runbook, let trigger):
            var record = AttachRecord(trigger: "manual", severity: nil, tags: nil, scenario: nil, runbook: runbook)
            switch trigger {
            case .matched(let severity, let tags):
                record.trigger = "matched"
                record.severity = severity
                record.tags = tags
            case .drill(let scenario):
                record.trigger = "drill"
                record.scenario = scenario
            case .manual:
                break
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let extra = (try? encoder.encode(record)).map { String(decoding: $0, as: UTF8.self) }
            return EventColumns(kind: kind, text: runbook.title, value: runbook.id, extra: extra)
        case .step(let step):
            let fields = ["runbook": step.runbook, "step": step.step, "number": String(step.number)]
            let data = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
            return EventColumns(kind: kind, text: step.text, value: step.action.rawValue, reason: step.reason,
                                ref: step.reverts, extra: data.map { String(decoding: $0, as: UTF8.self) })
        }
    }

    init(kind: EventKind, columns c: EventColumns) throws(EventDecodingError) {
        func fail(_ problem: String) -> EventDecodingError { EventDecodingError(kind: c.kind, problem: problem) }
        guard let extra = c.extra else { throw fail("no runbook fields") }
        switch kind {
        case .runbook:
            guard let record = try? JSONDecoder().decode(AttachRecord.self, from: Data(extra.utf8)) else {
                throw fail("bad runbook snapshot")
            }
            switch record.trigger {
            case "manual": self = .attached(record.runbook, trigger: .manual)
            case "matched":
                guard let severity = record.severity else { throw fail("matched attach without a severity") }
                self = .attached(record.runbook, trigger: .matched(severity, tags: record.tags ?? []))
            case "drill":
                guard let scenario = record.scenario else { throw fail("drill attach without a scenario") }
                self = .attached(record.runbook, trigger: .drill(scenario))
            default: throw fail("unknown attach trigger")
            }
        case .step:
            guard let action = c.value.flatMap(StepAction.init(rawValue:)), let text = c.text,
                  let fields = try? JSONSerialization.jsonObject(with: Data(extra.utf8)) as? [String: String],
                  let runbook = fields["runbook"], let step = fields["step"], let number = fields["number"].flatMap({ Int($0) })
            else { throw fail("bad step fields") }
            self = .step(StepEvent(runbook: runbook, step: step, number: number, text: text, action: action,
                                   reason: c.reason, reverts: c.ref))
        default:
            throw fail("not a runbook kind")
        }
    }

    private struct AttachRecord: Codable {
        var trigger: String
        var severity: Severity?
        var tags: [String]?
        var scenario: String?
        var runbook: Runbook
    }
}

// MARK: - Commands and refusals

/// What a person asks of an incident's runbooks; `decide` turns it into an event or refuses it.
public enum RunbookAction: Sendable, Equatable {
    /// Attach by hand; the runbook value is the snapshot the incident keeps.
    case attach(Runbook)
    /// `reference` is `RUNBOOK:STEP`, or just `STEP` when one runbook is attached; STEP is a step id or number.
    case check(String)
    case skip(String, reason: String)
    case undo(String, reason: String?)
}

/// Why a runbook command was refused; each message names what exists instead.
public enum RunbookRuleError: Error, Equatable, Sendable, CustomStringConvertible {
    case alreadyAttached(IncidentID, runbook: String, since: Date)
    case noneAttached(IncidentID)
    case unknownRunbook(IncidentID, String, attached: [String])
    case runbookNeeded(String, attached: [String])
    case unknownStep(runbook: String, String, steps: [String])
    case alreadyClosed(String, StepAction, at: Date, by: String)
    case nothingToUndo(String)
    case emptyReference
    case badTag(String)

    public var description: String {
        switch self {
        case .alreadyAttached(let id, let runbook, let since):
            return "runbook \(runbook) is already attached to \(id) (since \(Self.stamp(since)))"
        case .noneAttached(let id):
            return "\(id) has no runbook attached; attach one first (warroom runbook attach ID, or /runbook ID)"
        case .unknownRunbook(let id, let name, let attached):
            return "no runbook \(name) is attached to \(id); attached: \(attached.joined(separator: ", "))"
        case .runbookNeeded(let step, let attached):
            return "several runbooks are attached; name one as RUNBOOK:\(step) (attached: \(attached.joined(separator: ", ")))"
        case .unknownStep(let runbook, let name, let steps):
            return "runbook \(runbook) has no step \(name); its steps are 1–\(steps.count) or their ids: \(steps.joined(separator: ", "))"
        case .alreadyClosed(let step, let action, let at, let by):
            let verb = action == .done ? "done" : "skipped"
            return "step \(step) is already \(verb) (\(Self.stamp(at)) by \(by)); undo it first to change it"
        case .nothingToUndo(let step):
            return "step \(step) is neither done nor skipped; there is nothing to undo"
        case .emptyReference:
            return "name a step as RUNBOOK:STEP (STEP is the step's id or number)"
        case .badTag(let tag):
            return "the tag \"\(tag)\" is not one word; tags are words such as storage or load-balancer"
        }
    }

    /// UTC, to the minute: the core knows no display time zone, and the timeline shows the local time beside it.
    private static func stamp(_ date: Date) -> String {
        let t = TimeText(timeZone: TimeZone(identifier: "UTC")!)
        return "\(t.dayAndMinute(date)) UTC"
    }
}

// MARK: - State

/// The runbooks of one incident and where each step stands: `IncidentState.runbooks`, built by `apply` only.
public struct RunbookProgress: Sendable, Equatable {
    /// The incident's tags, lowercase, from its declaration: tagged runbooks attach only when one is shared.
    public private(set) var tags: [String]
    /// In the order they were attached.
    public private(set) var attached: [AttachedRunbook] = []

    init(tags: [String]) { self.tags = tags }

    /// The attached runbook with this id.
    public func runbook(_ id: String) -> AttachedRunbook? { attached.first { $0.runbook.id == id } }

    mutating func apply(_ event: RunbookEvent, _ stored: Event) {
        switch event {
        case .attached(let runbook, let trigger):
            guard self.runbook(runbook.id) == nil else { return }
            attached.append(AttachedRunbook(runbook: runbook, attachedAt: stored.occurredAt, attachedBy: stored.actor,
                                            trigger: trigger, eventID: stored.id))
        case .step(let step):
            guard let index = attached.firstIndex(where: { $0.runbook.id == step.runbook }) else { return }
            switch step.action {
            case .done, .skipped:
                attached[index].closed[step.step] = StepClosure(
                    action: step.action, at: stored.occurredAt, by: stored.actor, reason: step.reason, eventID: stored.id)
            case .undone:
                attached[index].closed[step.step] = nil
            }
        }
    }
}

/// A runbook attached to an incident: its snapshot and the steps closed so far.
public struct AttachedRunbook: Sendable, Equatable {
    public var runbook: Runbook
    public var attachedAt: Date
    public var attachedBy: String
    public var trigger: AttachTrigger
    /// The attach entry.
    public var eventID: EventID
    /// Step id → its standing `done` or `skipped`; an open step has none.
    public var closed: [String: StepClosure] = [:]
}

/// A step's standing `done` or `skipped`.
public struct StepClosure: Sendable, Equatable {
    /// `.done` or `.skipped`.
    public var action: StepAction
    public var at: Date
    public var by: String
    public var reason: String?
    public var eventID: EventID

    public init(action: StepAction, at: Date, by: String, reason: String? = nil, eventID: EventID) {
        self.action = action
        self.at = at
        self.by = by
        self.reason = reason
        self.eventID = eventID
    }
}

// MARK: - Rules

extension IncidentState {
    /// The runbooks in `catalog` to attach now: those that apply at `severity` (default: the current one) and the
    /// incident's tags, less any already attached. Duplicate ids in the catalog attach once.
    public func runbooksToAttach(from catalog: [Runbook], severity: Severity? = nil) -> [Runbook] {
        let level = severity ?? self.severity
        var seen = Set(runbooks.attached.map(\.runbook.id))
        return catalog.filter { $0.applies(to: level, tags: runbooks.tags) && seen.insert($0.id).inserted }
    }

    /// Attach entries for `runbooksToAttach`, recorded with the change that made them apply.
    public func attachDrafts(
        from catalog: [Runbook], severity: Severity? = nil, at occurredAt: Date, recordedAt: Date, actor: String
    ) -> [EventDraft] {
        let level = severity ?? self.severity
        return runbooksToAttach(from: catalog, severity: level).map { runbook in
            let shared = runbook.tags.isEmpty ? [] : runbooks.tags.filter { runbook.tags.contains($0) }
            return EventDraft(occurredAt: occurredAt, recordedAt: recordedAt, actor: actor,
                              payload: .runbook(.attached(runbook, trigger: .matched(level, tags: shared))))
        }
    }

    /// Everything a command records, for one store transaction: its own entry, then, when it moves the severity,
    /// an attach for every runbook of `catalog` that the new severity makes applicable.
    public func drafts(
        for command: IncidentCommand, at occurredAt: Date, now: Date, actor: String, policy: Policy = .standard,
        runbooks catalog: [Runbook] = []
    ) throws(RuleError) -> [EventDraft] {
        let payload = try decide(command, at: occurredAt, now: now, policy: policy)
        let own = EventDraft(occurredAt: occurredAt, recordedAt: now, actor: actor, payload: payload)
        guard case .severityChanged(_, let to, _) = payload else { return [own] }
        return [own] + attachDrafts(from: catalog, severity: to, at: occurredAt, recordedAt: now, actor: actor)
    }

    /// Validates a runbook command against the incident's runbooks (called by `decide`).
    func decideRunbook(_ action: RunbookAction) throws(RuleError) -> EventPayload {
        switch action {
        case .attach(let runbook):
            if let existing = runbooks.runbook(runbook.id) {
                throw .runbook(.alreadyAttached(id, runbook: runbook.id, since: existing.attachedAt))
            }
            return .runbook(.attached(runbook, trigger: .manual))
        case .check(let reference):
            let (attached, step) = try resolveStep(reference)
            if let closure = attached.closed[step.id] {
                throw .runbook(.alreadyClosed(attached.runbook.qualifiedID(of: step), closure.action, at: closure.at, by: closure.by))
            }
            return .runbook(.step(StepEvent(runbook: attached.runbook.id, step: step.id, number: step.number,
                                            text: step.text, action: .done)))
        case .skip(let reference, let reason):
            let (attached, step) = try resolveStep(reference)
            if let closure = attached.closed[step.id] {
                throw .runbook(.alreadyClosed(attached.runbook.qualifiedID(of: step), closure.action, at: closure.at, by: closure.by))
            }
            guard let reason = Self.cleaned(reason) else { throw .reasonRequired(what: "skipping a step") }
            return .runbook(.step(StepEvent(runbook: attached.runbook.id, step: step.id, number: step.number,
                                            text: step.text, action: .skipped, reason: reason)))
        case .undo(let reference, let reason):
            let (attached, step) = try resolveStep(reference)
            guard let closure = attached.closed[step.id] else {
                throw .runbook(.nothingToUndo(attached.runbook.qualifiedID(of: step)))
            }
            return .runbook(.step(StepEvent(runbook: attached.runbook.id, step: step.id, number: step.number,
                                            text: step.text, action: .undone, reason: Self.cleaned(reason),
                                            reverts: closure.eventID)))
        }
    }

    /// `RUNBOOK:STEP`, or `STEP` alone when exactly one runbook is attached.
    private func resolveStep(_ reference: String) throws(RuleError) -> (AttachedRunbook, Runbook.Step) {
        let text = reference.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { throw .runbook(.emptyReference) }
        let attached = runbooks.attached
        let ids = attached.map(\.runbook.id)
        guard !attached.isEmpty else { throw .runbook(.noneAttached(id)) }
        let runbook: AttachedRunbook
        let stepName: String
        if let colon = text.lastIndex(of: ":") {
            let name = String(text[..<colon]).trimmingCharacters(in: .whitespaces)
            stepName = String(text[text.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
            guard let found = attached.first(where: { $0.runbook.id == name.lowercased() }) else {
                throw .runbook(.unknownRunbook(id, name, attached: ids))
            }
            runbook = found
        } else {
            guard attached.count == 1 else { throw .runbook(.runbookNeeded(text, attached: ids)) }
            runbook = attached[0]
            stepName = text
        }
        let wanted = stepName.hasPrefix("#") ? String(stepName.dropFirst()) : stepName
        guard !wanted.isEmpty, let step = runbook.runbook.step(wanted.lowercased()) else {
            throw .runbook(.unknownStep(runbook: runbook.runbook.id, stepName,
                                        steps: runbook.runbook.steps.map { "\($0.number) \($0.id)" }))
        }
        return (runbook, step)
    }

    private static func cleaned(_ text: String?) -> String? {
        guard let t = text?.trimmingCharacters(in: .whitespacesAndNewlines), !t.isEmpty else { return nil }
        return t
    }
}

// MARK: - The checklist

/// Where a step stands on the checklist.
public enum StepStatus: String, Sendable, Equatable {
    case todo
    /// The runbook's current step: its first open step in document order, in the phase whose clock is running.
    case inProgress = "in progress"
    case done, skipped
}

/// One step as the checklist shows it at a moment.
public struct ChecklistStep: Sendable, Equatable {
    public var runbook: String
    public var step: Runbook.Step
    public var status: StepStatus
    /// Its `done` or `skipped`, when closed.
    public var closure: StepClosure?
    /// Time against the timebox: for an open step, since its phase became active (nil while the phase is not);
    /// for a closed step, from then until it was closed.
    public var elapsed: TimeInterval?
    /// Whether `elapsed` is past the step's timebox.
    public var isOverTimebox: Bool

    /// `runbook:step`.
    public var qualifiedID: String { "\(runbook):\(step.id)" }
    public var isOpen: Bool { closure == nil }
}

/// A `##` phase of an attached runbook and its steps at a moment.
public struct ChecklistPhase: Sendable, Equatable {
    public var title: String
    public var steps: [ChecklistStep]
    /// When its clock started: for the first phase the attach, for a later one the last check or skip that closed
    /// every step before it; nil while steps before it are open.
    public var activeSince: Date?
}

/// An attached runbook as a checklist.
public struct RunbookChecklist: Sendable, Equatable {
    public var attached: AttachedRunbook
    public var phases: [ChecklistPhase]

    public var steps: [ChecklistStep] { phases.flatMap(\.steps) }
    /// The step in progress; nil when every step is closed.
    public var next: ChecklistStep? { steps.first { $0.status == .inProgress } }
    public var doneCount: Int { steps.count { $0.status == .done } }
    public var skippedCount: Int { steps.count { $0.status == .skipped } }
}

extension IncidentState {
    /// Every attached runbook as a checklist at `now`. Step clocks stop when the incident is resolved.
    ///
    /// A step is timed from when its phase became active: the first phase when the runbook was attached, a later
    /// phase when the last open step before it was checked or skipped. A step closed ahead of its phase is timed
    /// from the latest check or skip before it in earlier phases (or the attach), so no time is ever negative.
    public func checklists(now: Date) -> [RunbookChecklist] {
        let end = lifecycle.isActive ? now : (enteredAt(.resolved) ?? now)
        return runbooks.attached.map { attached in
            var phases: [ChecklistPhase] = []
            var earlierCloses: [Date] = []
            var earlierAllClosed = true
            var foundCurrent = false
            for phase in attached.runbook.phases {
                let activeSince = earlierAllClosed ? max(attached.attachedAt, earlierCloses.max() ?? attached.attachedAt) : nil
                var steps: [ChecklistStep] = []
                for step in phase.steps {
                    let closure = attached.closed[step.id]
                    var status: StepStatus
                    var elapsed: TimeInterval?
                    if let closure {
                        status = closure.action == .done ? .done : .skipped
                        let start = earlierCloses.filter { $0 <= closure.at }.max().map { max($0, attached.attachedAt) }
                            ?? attached.attachedAt
                        elapsed = max(0, closure.at.timeIntervalSince(start))
                    } else {
                        status = .todo
                        if let activeSince {
                            elapsed = max(0, end.timeIntervalSince(activeSince))
                            if !foundCurrent {
                                status = .inProgress
                                foundCurrent = true
                            }
                        }
                    }
                    let over = elapsed.map { e in step.timeboxSeconds.map { e > Double($0) } ?? false } ?? false
                    steps.append(ChecklistStep(runbook: attached.runbook.id, step: step, status: status,
                                               closure: closure, elapsed: elapsed, isOverTimebox: over))
                }
                for step in steps {
                    if let closure = step.closure { earlierCloses.append(closure.at) } else { earlierAllClosed = false }
                }
                phases.append(ChecklistPhase(title: phase.title, steps: steps, activeSince: activeSince))
            }
            return RunbookChecklist(attached: attached, phases: phases)
        }
    }

    /// The step in progress of each attached runbook that has one: what the status pane says to do next.
    public func nextSteps(now: Date) -> [ChecklistStep] {
        checklists(now: now).compactMap(\.next)
    }
}

// MARK: - Incident tags

extension Declaration {
    /// Tags as stored: trimmed, lowercase, each once, in the order given. A tag is one word (letters, digits, `-`,
    /// `_`, `.`), the way runbook front matter writes them.
    static func validTags(_ tags: [String]) throws(RuleError) -> [String] {
        var result: [String] = []
        for raw in tags {
            let tag = raw.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
            guard !tag.isEmpty, tag.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
                throw .runbook(.badTag(raw))
            }
            if !result.contains(tag) { result.append(tag) }
        }
        return result
    }
}

extension DurationText {
    /// `45s`, `12m`, `1h05m`, `4h`: one unit under an hour, short enough for a checklist column.
    public static func compact(_ interval: TimeInterval) -> String {
        let s = max(0, Int(interval.rounded(.towardZero)))
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m" }
        let minutes = (s % 3600) / 60
        return "\(s / 3600)h" + (minutes == 0 ? "" : (minutes < 10 ? "0" : "") + "\(minutes)m")
    }
}
