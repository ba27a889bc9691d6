import Foundation

/// How a drill went, computed from its events: time to each milestone against the runbooks' targets, steps done,
/// skipped and left, status updates on time, late and missed, pages and their acknowledgements, how the team
/// answered each scripted event, and what to practise next. Pure, like `PostmortemFacts`, whose definitions it
/// shares: every duration is the difference of two times truncated to the minute, measured from T+0.
public struct DrillScoreCard: Sendable, Equatable {
    public var incident: IncidentID
    public var scenario: String
    public var title: String
    /// The runbooks the scenario practises.
    public var practises: [String]
    public var speed: Double
    /// T+0: when the drill was declared and its scenario recorded.
    public var startedAt: Date
    /// When it ended, or the time the card was computed while it still runs.
    public var endedAt: Date
    /// `nil` while the drill is still running: the card is provisional.
    public var ending: DrillEnding?
    /// T+0 → end, to the minute.
    public var length: TimeInterval
    public var severity: Severity
    public var worstSeverity: Severity
    public var lifecycle: LifecycleState
    public var milestones: [RunbookFacts.Milestone]
    public var runbooks: [RunbookFacts.Attached]
    /// Steps checked or skipped in the order that happened, then those left open.
    public var steps: [RunbookFacts.Step]
    public var statusUpdates: StatusUpdateFacts
    public var pages: [PagingFacts.Page]
    /// The pages the scenario said would go unanswered, and whether the team climbed past them.
    public var silentPages: [SilentPage]
    /// Every inject that fired, and the team's first entry after it.
    public var injects: [InjectResponse]
    /// Standard roles nobody was given: the commander held them.
    public var rolesHeldByCommander: [String]
    /// The first things to work on, most important first; never empty.
    public var practise: [String]

    /// A page that would never be acknowledged, and the escalation that should follow it.
    public struct SilentPage: Sendable, Equatable {
        public var name: String
        public var role: String?
        public var pagedAt: Date
        public var ackTimeout: TimeInterval
        /// The first later page for the same role at a higher tier, or to someone else for it.
        public var escalatedTo: String?
        public var escalatedAt: Date?
        /// Paged → escalated, to the minute.
        public var escalatedAfter: TimeInterval?
        /// Escalated no later than twice the acknowledgement timeout after the page.
        public var escalatedInTime: Bool { escalatedAfter.map { $0 <= 2 * ackTimeout } ?? false }
    }

    /// A scripted event and the team's answer to it.
    public struct InjectResponse: Sendable, Equatable {
        public var inject: DrillScenario.Inject
        public var firedAt: Date
        /// The first entry a person recorded after it (its kind and text).
        public var response: PostmortemFacts.Entry?
        public var responseKind: EventKind?
        /// Fired → first response, to the minute.
        public var respondedAfter: TimeInterval?
        /// For a `severity` inject: the first severity change or decision after it.
        public var answer: PostmortemFacts.Entry?
        public var answerKind: EventKind?
        public var answeredAfter: TimeInterval?
    }

    /// Who records injects and the pages they send.
    public static let actor = "drill"

    /// Nothing recorded this long after an inject counts as a slow reaction.
    public static let slowResponse: TimeInterval = 5 * 60

    /// At most this many practise points: a short list is one a team acts on.
    public static let practiseLimit = 5
    /// At most this many of them about milestones.
    public static let milestonePoints = 3
}

extension DrillScoreCard {
    /// The card for a drill incident's events in log order as of `asOf` (the end of a finished drill is used
    /// instead); `nil` when the events are not a drill with a recorded scenario.
    public init?(events all: [Event], asOf: Date, policy: Policy = .standard) {
        // The card covers the drill up to its end: an update sent or a step checked afterwards does not count.
        let endEntry = all.firstIndex { if case .drill(.ended) = $0.payload { true } else { false } }
        let events = endEntry.map { Array(all[...$0]) } ?? all
        guard let state = IncidentState.fold(events), let drill = state.drill else { return nil }
        let end = drill.endedAt ?? max(asOf, drill.startedAt)
        let facts = PostmortemFacts(state: state, events: events, asOf: end, policy: policy)
        incident = state.id
        scenario = drill.scenario.id
        title = drill.scenario.title
        practises = drill.scenario.runbooks
        speed = drill.speed
        startedAt = drill.startedAt
        endedAt = end
        ending = drill.ending
        length = max(0, PostmortemFacts.minutes(from: drill.startedAt, to: end))
        severity = facts.severity
        worstSeverity = facts.worstSeverity
        lifecycle = facts.lifecycle
        // From T+0, not from the first signal: a note backdated before the drill must not move its milestones.
        milestones = RunbookFacts(state: state, firstSignal: drill.startedAt, asOf: end).milestones
        runbooks = facts.runbooks.runbooks
        steps = facts.runbooks.steps
        statusUpdates = facts.statusUpdates
        pages = facts.pages.pages
        rolesHeldByCommander = facts.rolesHeldByCommander
        let chronological = events.filter { $0.occurredAt <= end }.sorted { ($0.occurredAt, $0.id) < ($1.occurredAt, $1.id) }
        silentPages = Self.silentPages(drill, paging: state.paging, end: end)
        injects = Self.responses(drill, chronological: chronological, facts: facts)
        practise = []
        practise = Self.practise(self)
    }

    /// T+12m: a moment of the drill as an offset from its start, to the minute.
    public func offset(_ date: Date) -> String {
        DrillScenario.Inject.offsetText(seconds: Int(max(0, PostmortemFacts.minutes(from: startedAt, to: date))))
    }

    public var stepsDone: Int { steps.count { $0.outcome == .done } }
    public var stepsSkipped: Int { steps.count { $0.outcome == .skipped } }
    public var stepsLeft: Int { steps.count { $0.outcome == .open } }
    public var milestonesMet: Int { milestones.count { $0.isMet == true } }
    /// Milestones the drill ran long enough to judge: reached, or with a target within its length. A restore
    /// target of five hours is not missed by a drill that stopped after ninety minutes.
    public var milestonesDue: [RunbookFacts.Milestone] { milestones.filter { $0.reachedAfter != nil || $0.target <= length } }

    private static func silentPages(_ drill: DrillState, paging: PagingState, end: Date) -> [SilentPage] {
        let pages = paging.pages.sorted { ($0.pagedAt, $0.id) < ($1.pagedAt, $1.id) }
        return drill.fired.compactMap { fired -> SilentPage? in
            guard let contact = fired.injection.silentContact,
                  let page = pages.first(where: { $0.order.contact == contact && $0.pagedAt >= fired.at })
            else { return nil }
            let role = page.order.role
            let next = pages.first { later in
                guard later.id != page.id, later.pagedAt >= page.pagedAt, later.pagedAt <= end, later.order.contact != contact else { return false }
                if let role { return later.order.role == role }
                return later.order.escalatesFrom == page.id
            }
            return SilentPage(
                name: page.order.name, role: role, pagedAt: page.pagedAt, ackTimeout: TimeInterval(page.order.ackTimeout),
                escalatedTo: next?.order.name, escalatedAt: next?.pagedAt,
                escalatedAfter: next.map { PostmortemFacts.minutes(from: page.pagedAt, to: $0.pagedAt) })
        }
    }

    private static func responses(_ drill: DrillState, chronological: [Event], facts: PostmortemFacts) -> [InjectResponse] {
        let byID = Dictionary(uniqueKeysWithValues: facts.timeline.map { ($0.id, $0) })
        func entry(_ event: Event) -> PostmortemFacts.Entry {
            let line = byID[event.id]
            return PostmortemFacts.Entry(id: event.id, at: event.occurredAt, actor: event.actor,
                                         text: line?.text ?? event.payload.summary, original: line?.original)
        }
        return drill.fired.map { fired in
            var response = InjectResponse(inject: fired.injection.inject, firedAt: fired.at)
            let after = chronological.drop { $0.id != fired.entry }.dropFirst()
            if let first = after.first(where: { isResponse($0) }) {
                response.response = entry(first)
                response.responseKind = first.payload.kind
                response.respondedAfter = max(0, PostmortemFacts.minutes(from: fired.at, to: first.occurredAt))
            }
            if fired.injection.inject.kind == .severity, let answer = after.first(where: { event in
                guard isResponse(event) else { return false }
                switch event.payload {
                case .severityChanged, .decision: return true
                default: return false
                }
            }) {
                response.answer = entry(answer)
                response.answerKind = answer.payload.kind
                response.answeredAfter = max(0, PostmortemFacts.minutes(from: fired.at, to: answer.occurredAt))
            }
            return response
        }
    }

    /// An entry a person made: not the drill's own injects and pages, and not the outbox reporting deliveries.
    private static func isResponse(_ event: Event) -> Bool {
        guard event.actor != actor else { return false }
        switch event.payload {
        case .delivery, .drill, .postmortem: return false
        default: return true
        }
    }

    private static func practise(_ card: DrillScoreCard) -> [String] {
        var points: [String] = []
        // The earliest targets first, and at most three, so a drill that missed everything still hears about the rest.
        let missed = card.milestonesDue.filter { $0.isMet != true }.enumerated()
            .sorted { ($0.element.target, $0.offset) < ($1.element.target, $1.offset) }.map(\.element)
        for m in missed.prefix(milestonePoints) {
            let target = "target " + DrillScenario.Inject.offsetText(seconds: Int(m.target))
            if let after = m.reachedAfter {
                points.append("Reach \(m.milestone) (\(m.runbook)) sooner: \(target), reached at "
                              + DrillScenario.Inject.offsetText(seconds: Int(after)))
            } else {
                points.append("Reach \(m.milestone) (\(m.runbook)): \(target), not reached in the drill")
            }
        }
        for silent in card.silentPages where !silent.escalatedInTime {
            let timeout = DurationText.minutes(silent.ackTimeout)
            if let after = silent.escalatedAfter {
                points.append("Escalate as soon as an acknowledgement runs out: \(silent.name)'s page ran out after \(timeout), "
                              + "escalation came \(DurationText.minutes(after)) after the page")
            } else {
                points.append("Escalate when an acknowledgement runs out: \(silent.name) was paged at \(card.offset(silent.pagedAt)) "
                              + "and never answered; nobody was paged in their place")
            }
        }
        let updates = card.statusUpdates
        if updates.lateCount > 0 || updates.missed != nil {
            var parts: [String] = []
            if updates.lateCount > 0 {
                parts.append("\(updates.lateCount) of \(updates.dueCount) updates late"
                             + (updates.worstLateness.map { " (worst by \(DurationText.minutes($0)))" } ?? ""))
            }
            if let missed = updates.missed {
                parts.append("one due at \(card.offset(missed.dueAt)) \(card.ending == nil ? "not sent yet" : "never sent")")
            }
            points.append("Keep the status-update cadence: " + parts.joined(separator: ", "))
        }
        for response in card.injects where response.inject.kind == .severity && response.answer == nil {
            let level = response.inject.severity.map { " for \($0.rawValue)" } ?? ""
            points.append("Answer severity pressure with a decision or a change: the push\(level) at "
                          + "\(card.offset(response.firedAt)) got neither")
        }
        // Pressure has its own point above, and an unanswered page is answered by escalating once its timeout runs out.
        let slow = card.injects.filter { ![.severity, .unanswered].contains($0.inject.kind) && ($0.respondedAfter.map { $0 > slowResponse } ?? true) }
        if let first = slow.first {
            let what = "\(first.inject.offsetText) \(first.inject.kind.rawValue)"
            if let after = first.respondedAfter {
                points.append("React to new information sooner: nothing was recorded for \(DurationText.minutes(after)) after \(what)"
                              + (slow.count > 1 ? " (and \(slow.count - 1) more)" : ""))
            } else {
                points.append("React to new information: nothing was recorded after \(what)"
                              + (slow.count > 1 ? " (and \(slow.count - 1) more)" : ""))
            }
        }
        if !card.rolesHeldByCommander.isEmpty {
            points.append("Hand out roles early: the commander kept " + card.rolesHeldByCommander.map(Role.displayName).joined(separator: ", "))
        }
        if card.stepsLeft > 0 {
            let total = card.steps.count
            points.append("Work through the runbook: \(card.stepsLeft) of \(total) steps left open")
        }
        let over = card.steps.filter(\.overTimebox)
        if !over.isEmpty {
            points.append("Keep to the timeboxes: \(over.count == 1 ? "1 step" : "\(over.count) steps") ran over")
        }
        if points.isEmpty {
            points.append("Nothing was missed: run it again at a higher speed, or try a harder scenario")
        }
        return Array(points.prefix(practiseLimit))
    }
}

/// Every finished drill of one scenario, oldest first, and whether the team is getting faster.
public struct DrillHistory: Sendable, Equatable {
    public var scenario: String
    public var title: String
    public var runs: [DrillScoreCard]

    /// `runs` oldest first.
    public init(scenario: String, title: String, runs: [DrillScoreCard]) {
        self.scenario = scenario
        self.title = title
        self.runs = runs
    }

    /// Groups finished drills by scenario (scenarios by their first run), each oldest first.
    public static func group(_ cards: [DrillScoreCard]) -> [DrillHistory] {
        var order: [String] = []
        var runs: [String: [DrillScoreCard]] = [:]
        for card in cards.sorted(by: { ($0.startedAt, $0.incident) < ($1.startedAt, $1.incident) }) {
            if runs[card.scenario] == nil { order.append(card.scenario) }
            runs[card.scenario, default: []].append(card)
        }
        return order.map { DrillHistory(scenario: $0, title: runs[$0]!.last!.title, runs: runs[$0]!) }
    }

    /// Every milestone any run measured, as `runbook:milestone`, in first-seen order.
    public var milestoneKeys: [String] {
        var seen: [String] = []
        for run in runs {
            for m in run.milestones where !seen.contains("\(m.runbook):\(m.milestone)") { seen.append("\(m.runbook):\(m.milestone)") }
        }
        return seen
    }

    /// The latest run against the one before it, over the milestones both reached: negative is faster.
    public var trend: Trend? {
        guard runs.count >= 2 else { return nil }
        let latest = runs[runs.count - 1], previous = runs[runs.count - 2]
        func reached(_ card: DrillScoreCard) -> [String: TimeInterval] {
            var times: [String: TimeInterval] = [:]
            for m in card.milestones { if let after = m.reachedAfter { times["\(m.runbook):\(m.milestone)"] = after } }
            return times
        }
        let now = reached(latest), before = reached(previous)
        let shared = now.keys.filter { before[$0] != nil }.sorted()
        let change = shared.reduce(0) { $0 + now[$1]! - before[$1]! }
        return Trend(latest: latest.incident, previous: previous.incident, milestonesCompared: shared.count, change: change,
                     metChange: latest.milestonesMet - previous.milestonesMet)
    }

    /// The latest run against the one before.
    public struct Trend: Sendable, Equatable {
        public var latest: IncidentID
        public var previous: IncidentID
        /// Milestones both runs reached; `change` sums over these.
        public var milestonesCompared: Int
        /// Total minutes to those milestones, latest minus previous: negative means faster.
        public var change: TimeInterval
        /// Milestones met, latest minus previous.
        public var metChange: Int
    }
}
