import Foundation
import IncidentCore
import Postmortem

/// Runs one drill against the store: declares it with its scenario, fires each inject when the drill clock reaches
/// its offset, copies pages to the drill sink, ends the drill (on request, or once the incident is resolved), and
/// writes its score card. Not thread-safe: the console calls it from its store worker's jobs, which run one at a
/// time, and a test from one task; hence `@unchecked Sendable`.
public final class DrillSession: @unchecked Sendable {
    public let incident: IncidentID
    private let store: any EventStore
    private let sink: DrillSink
    private let scoreCards: ScoreCardWriter
    private let policy: Policy
    private let timeZone: TimeZone
    /// Where `unanswered` injects find whom to page.
    private let contacts: ContactBook?
    /// Pages already copied to the sink by this session; the sink's keys catch the rest after a restart.
    private var sunk: Set<EventID> = []
    /// The drill as of the last read, kept up to date with only the entries added since: the console asks four
    /// times a second, and a whole-log fold each time would be work done over and over.
    private var known: IncidentState?
    /// How far the whole log has been read.
    private var cursor = LogCursor.start

    public init(incident: IncidentID, store: any EventStore, workspace: URL, contacts: ContactBook?, policy: Policy = .standard,
                timeZone: TimeZone = .current) {
        self.incident = incident
        self.store = store
        self.contacts = contacts
        self.policy = policy
        self.timeZone = timeZone
        sink = DrillSink(workspace: workspace)
        scoreCards = ScoreCardWriter(workspace: workspace)
    }

    // MARK: Starting

    /// Declares a drill incident for `scenario` at `now` in one transaction: the declaration (flagged drill), the
    /// scenario and clock speed, and the runbooks it practises (in the scenario's order). Returns the new id.
    public static func start(
        _ scenario: DrillScenario, runbooks: [Runbook], speed: Double, store: any EventStore, actor: String, now: Date,
        policy: Policy = .standard
    ) async throws -> IncidentID {
        var practised: [Runbook] = []
        for id in scenario.runbooks {
            guard let runbook = runbooks.first(where: { $0.id == id }) else {
                throw DrillError("the scenario \(scenario.id) practises the runbook \(id), which is not among the runbooks found "
                                 + "(known: \(runbooks.map(\.id).joined(separator: ", ")))")
            }
            if !practised.contains(where: { $0.id == id }) { practised.append(runbook) }
        }
        let declaration = try Declaration(title: scenario.title, severity: scenario.severity, isDrill: true, tags: scenario.tags)
            .validated(at: now, now: now, policy: policy)
        let events = try await store.declare(EventDraft(occurredAt: now, recordedAt: now, actor: actor, payload: .declared(declaration))) { state in
            let started = try state.decide(.drill(.start(scenario, speed: speed)), at: now, now: now, policy: policy)
            return [EventDraft(occurredAt: now, recordedAt: now, actor: actor, payload: started)]
                + practised.map { runbook in
                    EventDraft(occurredAt: now, recordedAt: now, actor: actor,
                               payload: .runbook(.attached(runbook, trigger: .drill(scenario.id))))
                }
        }
        return events[0].incident
    }

    /// The drill of `scenario` still running in the store (declared, not ended, not resolved), newest first.
    public static func running(_ scenario: String, in store: any EventStore) async throws -> IncidentState? {
        try await store.incidents().last { state in
            guard let drill = state.drill else { return false }
            return drill.scenario.id == scenario && !drill.isOver && state.lifecycle.isActive
        }
    }

    /// Where a resumed drill's clock picks up: the latest time anything in it was recorded. The clock does not run
    /// while no console is open, so injects are not all fired at once on return.
    public static func resumeTime(of incident: IncidentID, in store: any EventStore) async throws -> Date {
        let events = try await store.events(of: incident)
        return events.map { max($0.occurredAt, $0.recordedAt) }.max() ?? .distantPast
    }

    // MARK: Running

    /// What one call to `advance` did.
    public struct Progress: Sendable, Equatable {
        /// The inject entries recorded (and the pages they sent), in log order.
        public var recorded: [Event] = []
        /// Set when the drill ended because the incident was resolved.
        public var scoreCard: ScoreCard?
        /// When the next inject is due; `nil` when none is left or the drill is over.
        public var nextInject: Date?
    }

    /// Fires every inject due by `now`, each at its scheduled time; copies new pages to the drill sink; and ends the
    /// drill if the incident has been resolved. Safe to call as often as wanted: an inject fires once, in order.
    public func advance(now: Date) async throws -> Progress {
        var progress = Progress()
        var state = try await refreshed()
        guard let drill = state.drill else { throw DrillError("\(incident) has no drill scenario recorded") }
        if !drill.isOver, state.lifecycle.isActive {
            for index in drill.due(now: now) {
                let at = drill.dueAt(index)
                let page = silentPage(for: drill.scenario.injects[index], state: state, at: at)
                let recorded: [Event]
                do {
                    recorded = try await store.append(to: incident) { current in
                        try current.injectDrafts(index, page: page, at: at, now: max(now, at), actor: DrillScoreCard.actor)
                    }
                } catch RuleError.drill(.alreadyInjected), RuleError.drill(.outOfOrder), RuleError.drill(.over) {
                    // Another console on the same drill fired it first (or ended the drill): its entries arrive by polling.
                    break
                }
                progress.recorded += recorded
                for event in recorded { state.apply(event) }
            }
            // Read back in log order, with anything another writer added meanwhile.
            if !progress.recorded.isEmpty { state = try await refreshed() }
        }
        try copyPages(state)
        if let drill = state.drill, !drill.isOver, !state.lifecycle.isActive {
            progress.scoreCard = try await end(.resolved, at: state.enteredAt(.resolved) ?? now, now: now, actor: DrillScoreCard.actor)
        } else if let drill = state.drill, let next = drill.nextIndex {
            progress.nextInject = drill.dueAt(next)
        }
        return progress
    }

    /// A score card as written: the figures, the Markdown, and where it went (relative to the workspace).
    public struct ScoreCard: Sendable, Equatable {
        public var card: DrillScoreCard
        public var text: String
        public var path: String
    }

    /// Ends the drill at `at` (no more injects) and writes its score card. Ending twice is refused; `scoreCard`
    /// rewrites the card of a drill that has ended.
    public func end(_ ending: DrillEnding, at: Date, now: Date, actor: String) async throws -> ScoreCard {
        _ = try await store.append(to: incident) { state in
            [EventDraft(occurredAt: at, recordedAt: now, actor: actor,
                        payload: try state.decide(.drill(.end(ending)), at: at, now: now, policy: policy))]
        }
        return try await scoreCard(now: now)
    }

    /// Computes the score card from the log as of `now` (the end, for a drill that has ended), compares it with
    /// the earlier finished runs of the same scenario, and writes it beside the postmortem.
    public func scoreCard(now: Date) async throws -> ScoreCard {
        let events = try await store.events(of: incident)
        guard let card = DrillScoreCard(events: events, asOf: now, policy: policy) else {
            throw DrillError("\(incident) is not a drill with a scenario")
        }
        let earlier = try await Self.finishedCards(in: store, policy: policy).filter { $0.scenario == card.scenario && $0.incident != incident }
        let runs = (earlier + [card]).sorted { ($0.startedAt, $0.incident) < ($1.startedAt, $1.incident) }
        let history = DrillHistory(scenario: card.scenario, title: card.title, runs: runs)
        let text = ScoreCardDocument.markdown(card, history: history, timeZone: timeZone)
        let path = try scoreCards.write(text, for: incident)
        return ScoreCard(card: card, text: text, path: path)
    }

    /// The score cards of every drill in the store that has ended, oldest first: the drill history.
    public static func finishedCards(in store: any EventStore, policy: Policy = .standard) async throws -> [DrillScoreCard] {
        var cards: [DrillScoreCard] = []
        for state in try await store.incidents() where state.drill?.isOver == true {
            let events = try await store.events(of: state.id)
            if let card = DrillScoreCard(events: events, asOf: state.drill?.endedAt ?? state.lastChangeAt, policy: policy) {
                cards.append(card)
            }
        }
        return cards
    }

    // MARK: Helpers

    /// The drill's state with every entry up to now: folded once, then advanced by the entries added since.
    private func refreshed() async throws -> IncidentState {
        var state: IncidentState
        if let known {
            state = known
        } else {
            guard let folded = IncidentState.fold(try await store.events(of: incident)) else {
                throw StoreError.unknownIncident(incident)
            }
            state = folded
        }
        // The first pass reads the whole log once to reach its end; what the fold already holds is skipped by id.
        while true {
            let page = try await store.events(after: cursor, limit: 10_000)
            for event in page.events where event.incident == incident && event.id > state.lastEventID { state.apply(event) }
            cursor = page.cursor
            if !page.hasMore { break }
        }
        known = state
        return state
    }

    /// The page an `unanswered` inject sends: the role or contact its text names (the whole text, else its first
    /// word, as a person types after /page). `nil` when there are no contacts or the name matches nobody.
    private func silentPage(for inject: DrillScenario.Inject, state: IncidentState, at: Date) -> PageOrder? {
        guard inject.kind == .unanswered, let contacts else { return nil }
        let text = inject.text.trimmingCharacters(in: .whitespaces)
        let candidates = [text] + (text.split(separator: " ").first.map { [String($0)] } ?? [])
        // No channel is asked for, so the page goes by phone or chat: recorded only, and copied to the sink.
        return candidates.lazy.compactMap { try? state.proposePage($0, contacts: contacts, now: at).order }.first
    }

    /// Phone and chat pages are only recorded; in a drill the sink shows each. Webhook pages reach the sink
    /// through the outbox under their channel's name.
    private func copyPages(_ state: IncidentState) throws {
        for record in state.paging.pages where !sunk.contains(record.id) && record.order.via != .webhook {
            try sink.record(page: record, incident: incident, state: state)
            sunk.insert(record.id)
        }
    }
}
