import Foundation

/// Everything a postmortem states as fact, computed from an incident's events: key times, durations from the
/// first signal, time at each severity, status-update punctuality, roles, the corrected timeline, decisions and
/// action items. Pure: the caller passes the events and the moment of generation.
///
/// Key times are kept to the second, but every duration here is the difference of the two times *truncated to
/// the minute*, so a reader who subtracts the times the document prints (14:12 − 14:07) gets the duration it
/// prints (5 min), and the periods at each severity add up to the whole.
public struct PostmortemFacts: Sendable, Equatable {
    public var incident: IncidentID
    public var title: String
    public var impact: String?
    public var isDrill: Bool
    public var declaredBy: String
    public var commander: String
    /// The severity at the end (or now, for a draft).
    public var severity: Severity
    /// The most severe level the incident reached.
    public var worstSeverity: Severity
    public var lifecycle: LifecycleState
    /// When the document is generated; the end of any period still running.
    public var asOf: Date
    /// The newest entry the facts include.
    public var throughEvent: EventID
    public var eventCount: Int
    public var keyTimes: KeyTimes
    /// The declaration first, then every change, in the order they happened.
    public var severityChanges: [SeverityChange]
    /// Total time at each severity held, most severe first.
    public var timeAtSeverity: [SeverityTime]
    public var statusUpdates: StatusUpdateFacts
    public var roles: [RoleHeld]
    /// Standard roles never handed out: the incident commander held them.
    public var rolesHeldByCommander: [String]
    /// Every entry in the order it happened, corrections applied.
    public var timeline: [TimelineLine]
    public var decisions: [Entry]
    public var actionItems: [Entry]
    public var pages: PagingFacts
    public var runbooks: RunbookFacts
    public var deliveries: DeliveryFacts
}

extension PostmortemFacts {
    /// The moments the document reports to the minute.
    public struct KeyTimes: Sendable, Equatable {
        /// The earliest time any entry says something happened, usually a backdated alert.
        public var firstSignal: Date
        /// The entry that carries the first signal.
        public var firstSignalEntry: EventID
        public var declared: Date
        /// The first acknowledgement of a page, when pages were recorded.
        public var acknowledged: Date?
        /// First entry into `mitigating`.
        public var mitigationStarted: Date?
        /// Entry into the `monitoring` stretch that held (a return to `mitigating` cancels an earlier one).
        public var mitigated: Date?
        public var resolved: Date?
        public var closed: Date?

        /// Time to declare (MTTD as teams report it): first signal → declared.
        public var toDeclare: TimeInterval { PostmortemFacts.minutes(from: firstSignal, to: declared) }
        /// Time to acknowledge (MTTA): first signal → first page acknowledged.
        public var toAcknowledge: TimeInterval? { acknowledged.map { PostmortemFacts.minutes(from: firstSignal, to: $0) } }
        /// Time to mitigate (MTTM): first signal → mitigated.
        public var toMitigate: TimeInterval? { mitigated.map { PostmortemFacts.minutes(from: firstSignal, to: $0) } }
        /// Time to resolve (MTTR): first signal → resolved; the outage's whole length.
        public var toResolve: TimeInterval? { resolved.map { PostmortemFacts.minutes(from: firstSignal, to: $0) } }
        /// How long the mitigation itself took: mitigation started → mitigated.
        public var mitigating: TimeInterval? {
            guard let start = mitigationStarted, let end = mitigated else { return nil }
            return PostmortemFacts.minutes(from: start, to: end)
        }
    }

    /// A severity set by the declaration (`from` is nil) or changed later, and how long it was held.
    public struct SeverityChange: Sendable, Equatable {
        public var entry: EventID
        public var at: Date
        public var from: Severity?
        public var to: Severity
        public var reason: String?
        public var actor: String
        /// Until the next change, the resolution, or the generation (then `ongoing`).
        public var heldFor: TimeInterval
        public var ongoing: Bool
    }

    /// The total time spent at one severity.
    public struct SeverityTime: Sendable, Equatable {
        public var severity: Severity
        public var duration: TimeInterval
        /// Whether the incident is still at this severity and unresolved.
        public var ongoing: Bool
    }

    /// Who held a role, from when until when (`until` nil: to the end).
    public struct RoleHeld: Sendable, Equatable {
        public var role: String
        public var holder: String
        public var since: Date
        public var until: Date?
        /// The role entry; nil for the declarer holding command from the start.
        public var entry: EventID?
    }

    /// One timeline row. `text` has the latest correction applied; `original` keeps what was first written.
    public struct TimelineLine: Sendable, Equatable {
        public var id: EventID
        public var occurredAt: Date
        public var recordedAt: Date
        public var actor: String
        public var kind: EventKind
        public var text: String
        public var original: String?
        public var correctedBy: [EventID]
        public var isBackdated: Bool
    }

    /// A decision or an action item, corrections applied.
    public struct Entry: Sendable, Equatable {
        public var id: EventID
        public var at: Date
        public var actor: String
        public var text: String
        /// What was first written, when the entry was corrected.
        public var original: String?
    }
}

// MARK: - Building

extension PostmortemFacts {
    /// Computes the facts from one incident's events in log order (the first must be its declaration), as of
    /// `asOf`; `nil` when there is no declaration.
    public init?(events: [Event], asOf: Date, policy: Policy = .standard) {
        guard let state = IncidentState.fold(events) else { return nil }
        self.init(state: state, events: events, asOf: asOf, policy: policy)
    }

    /// Computes the facts from an incident's state and the events it was folded from.
    public init(state: IncidentState, events: [Event], asOf: Date, policy: Policy = .standard) {
        incident = state.id
        title = state.title
        impact = state.impact
        isDrill = state.isDrill
        declaredBy = state.declaredBy
        commander = state.commander
        severity = state.severity
        worstSeverity = state.severityHistory.map(\.severity).min { $0.rank < $1.rank } ?? state.severity
        lifecycle = state.lifecycle
        self.asOf = asOf
        throughEvent = state.lastEventID
        eventCount = state.eventCount

        let chronological = events.sorted { ($0.occurredAt, $0.id) < ($1.occurredAt, $1.id) }
        let resolvedAt = state.lifecycle.isActive ? nil : state.enteredAt(.resolved)
        // Periods still running end now; a lagging clock must not make them negative.
        let end = resolvedAt ?? max(asOf, state.lastChangeAt)

        keyTimes = Self.keyTimes(state, chronological: chronological, resolved: resolvedAt)
        severityChanges = Self.severityChanges(events, end: end, ongoing: resolvedAt == nil)
        timeAtSeverity = Self.timeAtSeverity(severityChanges, ongoing: resolvedAt == nil)
        statusUpdates = StatusUpdateFacts(chronological: chronological, policy: policy, resolved: resolvedAt, asOf: asOf)
        (roles, rolesHeldByCommander) = Self.roles(state, chronological: chronological)
        (timeline, decisions, actionItems) = Self.entries(state, chronological: chronological)
        pages = PagingFacts(state: state)
        runbooks = RunbookFacts(state: state, firstSignal: keyTimes.firstSignal, asOf: asOf)
        deliveries = DeliveryFacts(chronological: chronological, pages: Set(state.paging.pages.map(\.id)))
        if let firstAck = pages.firstAcknowledged { keyTimes.acknowledged = firstAck }
    }

    /// `to − from` with both truncated to the minute: the difference of the times as the document prints them.
    public static func minutes(from: Date, to: Date) -> TimeInterval {
        floorToMinute(to) - floorToMinute(from)
    }

    static func floorToMinute(_ date: Date) -> TimeInterval {
        (date.timeIntervalSince1970 / 60).rounded(.down) * 60
    }

    private static func keyTimes(_ state: IncidentState, chronological: [Event], resolved: Date?) -> KeyTimes {
        let history = state.lifecycleHistory
        let lastMitigating = history.lastIndex { $0.state == .mitigating }
        let lastMonitoring = history.lastIndex { $0.state == .monitoring }
        var mitigated: Date?
        if let monitoring = lastMonitoring, lastMitigating.map({ $0 < monitoring }) ?? true {
            mitigated = history[monitoring].since
        }
        let first = chronological.first!
        return KeyTimes(
            firstSignal: first.occurredAt, firstSignalEntry: first.id, declared: state.declaredAt, acknowledged: nil,
            mitigationStarted: history.first { $0.state == .mitigating }?.since, mitigated: mitigated,
            resolved: resolved, closed: state.lifecycle == .closed ? state.enteredAt(.closed) : nil)
    }

    private static func severityChanges(_ events: [Event], end: Date, ongoing: Bool) -> [SeverityChange] {
        var changes: [SeverityChange] = []
        // Log order: severity changes are refused out of order, so log order is the order they happened.
        for event in events {
            switch event.payload {
            case .declared(let d):
                changes.append(SeverityChange(entry: event.id, at: event.occurredAt, from: nil, to: d.severity,
                                              reason: nil, actor: event.actor, heldFor: 0, ongoing: false))
            case .severityChanged(let from, let to, let reason):
                changes.append(SeverityChange(entry: event.id, at: event.occurredAt, from: from, to: to,
                                              reason: reason, actor: event.actor, heldFor: 0, ongoing: false))
            default:
                continue
            }
        }
        for i in changes.indices {
            let until = i + 1 < changes.count ? changes[i + 1].at : end
            changes[i].heldFor = max(0, minutes(from: changes[i].at, to: until))
            changes[i].ongoing = ongoing && i == changes.count - 1
        }
        return changes
    }

    private static func timeAtSeverity(_ changes: [SeverityChange], ongoing: Bool) -> [SeverityTime] {
        var totals: [Severity: TimeInterval] = [:]
        for change in changes { totals[change.to, default: 0] += change.heldFor }
        let current = changes.last?.to
        return Severity.allCases.compactMap { severity in
            totals[severity].map { SeverityTime(severity: severity, duration: $0, ongoing: ongoing && severity == current) }
        }
    }

    private static func roles(_ state: IncidentState, chronological: [Event]) -> ([RoleHeld], [String]) {
        var held: [RoleHeld] = [RoleHeld(role: Role.commander, holder: state.declaredBy, since: state.declaredAt,
                                         until: nil, entry: nil)]
        var current: [String: Int] = [Role.commander: 0]
        for event in chronological {
            guard case .roleAssigned(let role, let holder) = event.payload else { continue }
            if let index = current[role] {
                if held[index].holder == holder { continue }
                held[index].until = event.occurredAt
            }
            current[role] = held.count
            held.append(RoleHeld(role: role, holder: holder, since: event.occurredAt, until: nil, entry: event.id))
        }
        // Standard roles in their usual order, then the others by name; each role's holders in time order.
        let order = Dictionary(uniqueKeysWithValues: Role.standard.enumerated().map { ($1, $0) })
        let sorted = held.enumerated().sorted { a, b in
            let (ra, rb) = (a.element.role, b.element.role)
            if ra != rb {
                switch (order[ra], order[rb]) {
                case let (x?, y?): return x < y
                case (.some, nil): return true
                case (nil, .some): return false
                case (nil, nil): return ra < rb
                }
            }
            return a.offset < b.offset
        }.map(\.element)
        let unassigned = Role.standard.filter { $0 != Role.commander && current[$0] == nil }
        return (sorted, unassigned)
    }

    private static func entries(_ state: IncidentState, chronological: [Event]) -> ([TimelineLine], [Entry], [Entry]) {
        var correctionText: [EventID: String] = [:]
        for event in chronological {
            if case .correction(_, let text) = event.payload { correctionText[event.id] = text }
        }
        var timeline: [TimelineLine] = []
        timeline.reserveCapacity(chronological.count)
        var decisions: [Entry] = [], actions: [Entry] = []
        for event in chronological {
            let summary = Self.shareableSummary(event, state: state)
            var text = summary
            var original: String?
            let fixes = state.corrections[event.id] ?? []
            if let last = fixes.last, let fixed = correctionText[last] {
                text = fixed
                original = summary
            }
            timeline.append(TimelineLine(id: event.id, occurredAt: event.occurredAt, recordedAt: event.recordedAt,
                                         actor: event.actor, kind: event.payload.kind, text: text, original: original,
                                         correctedBy: fixes, isBackdated: event.isBackdated))
            switch event.payload {
            case .decision:
                decisions.append(Entry(id: event.id, at: event.occurredAt, actor: event.actor, text: text, original: original))
            case .actionItem:
                actions.append(Entry(id: event.id, at: event.occurredAt, actor: event.actor, text: text, original: original))
            default:
                break
            }
        }
        return (timeline, decisions, actions)
    }
}

extension PostmortemFacts {
    /// The timeline line a postmortem may carry. A postmortem is shared far beyond the responders, so a page names
    /// who was paged and how, never the number, handle or contract used; and a delivery failure loses anything
    /// that looks like an address, which for a webhook may hold its token.
    static func shareableSummary(_ event: Event, state: IncidentState) -> String {
        switch event.payload {
        case .paging(.paged(let order)):
            var s = "paged \(order.name)"
            let roleAndTier = [order.role.map(Role.displayName), order.tier?.rawValue].compactMap { $0 }
            if !roleAndTier.isEmpty { s += " (\(roleAndTier.joined(separator: ", ")))" }
            s += " by \(order.via.rawValue)"
            if order.attempt > 1 { s += ", attempt \(order.attempt)" }
            if let from = order.escalatesFromName { s += ", escalated: \(from) did not acknowledge" }
            return s
        case .delivery:
            return DeliveryFacts.withoutAddresses(state.summary(of: event))
        default:
            return event.payload.summary
        }
    }
}

// MARK: - Status updates

/// How punctual the status updates were. Replaying the incident in the order things happened, an update is due
/// a cadence after the declaration or the previous update, and at once when the severity changes (a change while
/// one is already overdue keeps the earlier due time: the stakeholders were owed it since then). Each update sent
/// before resolution settles the one due; it is on time when sent within the minute it was due.
public struct StatusUpdateFacts: Sendable, Equatable {
    /// One update sent. `dueAt` is nil for updates sent after resolution, when none was due any more.
    public struct Update: Sendable, Equatable {
        public var entry: EventID
        public var sentAt: Date
        public var dueAt: Date?
        /// Zero when on time.
        public var lateBy: TimeInterval
        public var severity: Severity
        public var actor: String
        public var message: String
        public var isOnTime: Bool { lateBy < 60 }
    }

    /// An update that was due and never sent: at resolution, or, for an unresolved incident, at generation.
    public struct Missed: Sendable, Equatable {
        public var dueAt: Date
        /// When it stopped being owed (resolution), or the generation time while the incident is still open.
        public var until: Date
        public var overdueBy: TimeInterval
        public var stillDue: Bool
    }

    public var updates: [Update]
    public var missed: Missed?

    /// Updates that were owed: every one sent while the incident was open, plus the one never sent.
    public var dueCount: Int { updates.filter { $0.dueAt != nil }.count + (missed == nil ? 0 : 1) }
    public var onTimeCount: Int { updates.filter { $0.dueAt != nil && $0.isOnTime }.count }
    public var lateCount: Int { updates.filter { $0.dueAt != nil && !$0.isOnTime }.count }
    /// Sent after the incident was resolved, when no update was due.
    public var afterResolutionCount: Int { updates.filter { $0.dueAt == nil }.count }
    /// On-time share in percent, rounded down; nil when none was due.
    public var onTimePercent: Int? { dueCount == 0 ? nil : onTimeCount * 100 / dueCount }
    /// The worst lateness of an update that was sent.
    public var worstLateness: TimeInterval? { updates.map(\.lateBy).filter { $0 >= 60 }.max() }

    init(chronological: [Event], policy: Policy, resolved: Date?, asOf: Date) {
        var updates: [Update] = []
        var severity: Severity?
        var due: Date?
        for event in chronological {
            let at = event.occurredAt
            // The all-clear sent as the incident is resolved still settles an update that was owed.
            let open = resolved.map { at <= $0 } ?? true
            switch event.payload {
            case .declared(let d):
                severity = d.severity
                due = at.addingTimeInterval(policy.cadence(for: d.severity).seconds)
            case .severityChanged(_, let to, _):
                severity = to
                due = min(due ?? at, at)
            case .statusUpdateSent(let message):
                let level = severity ?? .l4
                if open, let owed = due {
                    let late = max(0, PostmortemFacts.minutes(from: owed, to: at))
                    updates.append(Update(entry: event.id, sentAt: at, dueAt: owed, lateBy: late, severity: level,
                                          actor: event.actor, message: message))
                    due = at.addingTimeInterval(policy.cadence(for: level).seconds)
                } else {
                    updates.append(Update(entry: event.id, sentAt: at, dueAt: nil, lateBy: 0, severity: level,
                                          actor: event.actor, message: message))
                }
            default:
                break
            }
        }
        self.updates = updates
        let stop = resolved ?? asOf
        if let owed = due, PostmortemFacts.minutes(from: owed, to: stop) >= 60 {
            missed = Missed(dueAt: owed, until: stop, overdueBy: PostmortemFacts.minutes(from: owed, to: stop),
                            stillDue: resolved == nil)
        } else {
            missed = nil
        }
    }
}

// MARK: - Pages, runbooks and deliveries

/// Pages sent and acknowledged during the incident. Who was paged, never the number or handle used.
public struct PagingFacts: Sendable, Equatable {
    /// One page and its answer.
    public struct Page: Sendable, Equatable {
        public var entry: EventID
        /// The contact's name.
        public var target: String
        public var role: String?
        public var tier: String?
        /// phone, chat or webhook.
        public var via: String
        public var pagedAt: Date
        public var pagedBy: String
        public var acknowledgedAt: Date?
        /// Whom this page escalated from, when the previous rung did not answer.
        public var escalatedFrom: String?
        /// Paged → acknowledged, to the minute.
        public var timeToAcknowledge: TimeInterval? {
            acknowledgedAt.map { PostmortemFacts.minutes(from: pagedAt, to: $0) }
        }
    }

    /// In the order they were sent.
    public var pages: [Page]

    /// The first acknowledgement of any page.
    public var firstAcknowledged: Date? { pages.compactMap(\.acknowledgedAt).min() }
    public var acknowledgedCount: Int { pages.filter { $0.acknowledgedAt != nil }.count }
    public var unansweredCount: Int { pages.filter { $0.acknowledgedAt == nil }.count }

    init(state: IncidentState) {
        pages = state.paging.pages
            .sorted { ($0.pagedAt, $0.id) < ($1.pagedAt, $1.id) }
            .map { record in
                Page(entry: record.id, target: record.order.name, role: record.order.role,
                     tier: record.order.tier?.rawValue, via: record.order.via.rawValue, pagedAt: record.pagedAt,
                     pagedBy: record.pagedBy, acknowledgedAt: record.ackedAt, escalatedFrom: record.order.escalatesFromName)
            }
    }
}

/// Runbook steps done, skipped and left open, with time against their timeboxes, and milestones against the
/// runbooks' targets, measured from the first signal like every other duration here.
public struct RunbookFacts: Sendable, Equatable {
    /// An attached runbook and how far it got.
    public struct Attached: Sendable, Equatable {
        public var id: String
        public var title: String
        public var attachedAt: Date
        public var done: Int
        public var skipped: Int
        public var open: Int
    }

    /// One step's outcome.
    public struct Step: Sendable, Equatable {
        public enum Outcome: String, Sendable, Equatable {
            case done, skipped
            /// Neither checked nor skipped by the end.
            case open = "not done"
        }

        public var runbook: String
        public var step: String
        public var number: Int
        public var text: String
        public var outcome: Outcome
        /// When it was checked or skipped; nil when left open.
        public var at: Date?
        public var actor: String?
        /// Why it was skipped.
        public var reason: String?
        public var timebox: TimeInterval?
        /// From when its phase became active until it was closed; nil when left open.
        public var took: TimeInterval?
        public var overTimebox: Bool
    }

    /// A milestone target from a runbook: met, missed by how much, or not reached.
    public struct Milestone: Sendable, Equatable {
        public var runbook: String
        public var milestone: String
        /// How soon after the first signal it should be reached.
        public var target: TimeInterval
        /// The step that reaches it, when checked.
        public var reachedAt: Date?
        /// First signal → reached, to the minute.
        public var reachedAfter: TimeInterval?
        public var isMet: Bool? { reachedAfter.map { $0 <= target } }
    }

    public var runbooks: [Attached]
    /// Steps checked or skipped in the order that happened, then the steps left open in runbook order.
    public var steps: [Step]
    public var milestones: [Milestone]

    init(state: IncidentState, firstSignal: Date, asOf: Date) {
        var runbooks: [Attached] = [], closed: [Step] = [], open: [Step] = [], milestones: [Milestone] = []
        for checklist in state.checklists(now: asOf) {
            let runbook = checklist.attached.runbook
            let steps = checklist.steps
            runbooks.append(Attached(id: runbook.id, title: runbook.title, attachedAt: checklist.attached.attachedAt,
                                     done: checklist.doneCount, skipped: checklist.skippedCount,
                                     open: steps.count { $0.isOpen }))
            for item in steps {
                let outcome: Step.Outcome = switch item.closure?.action {
                case .done?: .done
                case .skipped?: .skipped
                default: .open
                }
                // A step left open has no time against its timebox worth reporting: its clock only ran until the end.
                let step = Step(runbook: runbook.id, step: item.step.id, number: item.step.number, text: item.step.text,
                                outcome: outcome, at: item.closure?.at, actor: item.closure?.by, reason: item.closure?.reason,
                                timebox: item.step.timeboxSeconds.map(TimeInterval.init),
                                took: outcome == .open ? nil : item.elapsed,
                                overTimebox: outcome != .open && item.isOverTimebox)
                if outcome == .open { open.append(step) } else { closed.append(step) }
            }
            for target in runbook.targets {
                let reaching = runbook.step(reaching: target.milestone)
                let closure = reaching.flatMap { checklist.attached.closed[$0.id] }
                let reachedAt = closure?.action == .done ? closure?.at : nil
                milestones.append(Milestone(
                    runbook: runbook.id, milestone: target.milestone, target: target.duration.seconds, reachedAt: reachedAt,
                    reachedAfter: reachedAt.map { max(0, PostmortemFacts.minutes(from: firstSignal, to: $0)) }))
            }
        }
        closed.sort { ($0.at!, $0.runbook, $0.number) < ($1.at!, $1.runbook, $1.number) }
        self.runbooks = runbooks
        self.steps = closed + open
        self.milestones = milestones
    }
}

/// Deliveries of status updates to their channels: how many attempts each took and how it ended. Channels are
/// named, never addressed, and anything that looks like an address in a failure is removed.
public struct DeliveryFacts: Sendable, Equatable {
    /// One channel's outcome for one update.
    public struct Delivery: Sendable, Equatable {
        public var update: EventID
        /// The delivered entry is a page by webhook, not a status update.
        public var isPage: Bool
        public var channel: String
        public var attempts: Int
        public var deliveredAt: Date?
        /// Why the last attempt failed, when it was not delivered.
        public var failure: String?
        /// No more attempts will be made.
        public var abandoned: Bool
    }

    /// By update, then in the order the channels were queued.
    public var deliveries: [Delivery]

    public var deliveredCount: Int { deliveries.filter { $0.deliveredAt != nil }.count }

    init(chronological: [Event], pages: Set<EventID>) {
        var deliveries: [Delivery] = []
        var index: [String: Int] = [:]
        for event in chronological {
            guard case .delivery(let delivery) = event.payload else { continue }
            func slot(_ channel: String) -> Int {
                let key = "\(delivery.update)\u{0}\(channel)"
                if let i = index[key] { return i }
                index[key] = deliveries.count
                deliveries.append(Delivery(update: delivery.update, isPage: pages.contains(delivery.update), channel: channel,
                                           attempts: 0, deliveredAt: nil, failure: nil, abandoned: false))
                return deliveries.count - 1
            }
            switch delivery {
            case .queued(_, let channels):
                for channel in channels { _ = slot(channel) }
            case .delivered(_, let channel, let attempt, _):
                let i = slot(channel)
                deliveries[i].attempts = max(deliveries[i].attempts, attempt)
                deliveries[i].deliveredAt = deliveries[i].deliveredAt ?? event.occurredAt
                deliveries[i].failure = nil
                deliveries[i].abandoned = false
            case .failed(_, let channel, let attempt, let problem, _):
                let i = slot(channel)
                deliveries[i].attempts = max(deliveries[i].attempts, attempt)
                if deliveries[i].deliveredAt == nil { deliveries[i].failure = Self.withoutAddresses(problem) }
            case .abandoned(_, let channel, let attempt, let problem):
                let i = slot(channel)
                deliveries[i].attempts = max(deliveries[i].attempts, attempt)
                if deliveries[i].deliveredAt == nil {
                    deliveries[i].failure = Self.withoutAddresses(problem)
                    deliveries[i].abandoned = true
                }
            case .requeued(_, let channel):
                deliveries[slot(channel)].abandoned = false
            }
        }
        self.deliveries = deliveries.sorted { ($0.update, index["\($0.update)\u{0}\($0.channel)"]!) < ($1.update, index["\($1.update)\u{0}\($1.channel)"]!) }
    }

    /// Failure texts come from channels and HTTP clients; a URL in one may carry a webhook token.
    static func withoutAddresses(_ text: String) -> String {
        guard text.contains("://") else { return text }
        return text.split(separator: " ", omittingEmptySubsequences: false)
            .map { word in
                guard word.contains("://") else { return String(word) }
                // Keep the punctuation that closes the sentence around the address.
                let trailing = word.reversed().prefix { ",.;:)".contains($0) }
                return "[address removed]" + String(trailing.reversed())
            }
            .joined(separator: " ")
    }
}
