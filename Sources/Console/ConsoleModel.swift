import Foundation
import IncidentCore

/// Everything the console reacts to: keys, the clock, the terminal size and what the store reports.
public enum ConsoleMessage: Sendable {
    case key(Key)
    /// The runner's clock, about once a second (accelerated in drills).
    case tick(Date)
    case resize(width: Int, height: Int)
    /// The initial load: every event in the store, in log (id) order.
    case loaded([Event])
    /// Later events from any writer, in log order; ids already applied are ignored.
    case appended([Event])
    /// The store refused an effect; the text is shown on the message line.
    case recordFailed(String)
    /// The runbooks that can be attached (those without problems), and every problem found (ChecklistPane.swift).
    case runbooksLoaded([Runbook], problems: [String])
    /// The contacts file as the runner read it (ContactsPane.swift).
    case contacts(ContactsSource)
    /// Channels configured, and updates sent (BroadcastDraft.swift).
    case broadcast(BroadcastMessage)
    /// A drill opened, or its score card written (DrillPane.swift).
    case drill(DrillMessage)
    /// The team store went out of reach or came back (StoreHealth.swift).
    case store(StoreMessage)
}

/// Work the runner does for the console, off the input loop; results come back as messages.
public enum ConsoleEffect: Sendable, Equatable {
    /// Append to an incident: the runner calls `store.append` and re-validates with `state.decide`.
    case record(IncidentID, IncidentCommand, occurredAt: Date)
    /// Declare a new incident through `store.declare`.
    case declare(Declaration, occurredAt: Date)
    /// Record a status update and queue it for its channels (BroadcastDraft.swift).
    case sendStatusUpdate(IncidentID, message: String, audience: Audience)
    /// Write the incident's postmortem and record it (PostmortemRequest.swift).
    case generatePostmortem(IncidentID)
    /// End the drill: the runner records the end, writes the score card and sends `.drill(.scoreCard)` (DrillPane.swift).
    case endDrill(IncidentID)
    case quit
}

/// A line for the message row: feedback on the last command, or a refusal.
public struct ConsoleNotice: Sendable, Equatable {
    public var text: String
    public var isError: Bool
}

/// A modal layer over the panes; it takes the keys while open.
enum ConsoleOverlay: Sendable, Equatable {
    case help(scroll: Int)
    /// The highlighted incident, by id so arrivals do not move the highlight.
    case picker(IncidentID?)
    case confirmQuit(IncidentID)
    /// A checklist step's command, expected result and notes (ChecklistPane.swift).
    case stepDetail(StepDetailOverlay)
    /// A page waiting for the commander's y/n, with the number to call on screen (ContactsPane.swift).
    case confirmPage(PageConfirmation)
    /// `/end-drill` waiting for y/n (DrillPane.swift).
    case confirmEndDrill(IncidentID)
    /// A drill's score card, scrolled (DrillPane.swift).
    case scoreCard(ScoreCardOverlay)
}

/// The console's whole UI state; `update` is the only place it changes and `render` draws it.
public struct ConsoleModel: Sendable {
    public private(set) var now: Date
    public let timeZone: TimeZone
    public private(set) var width: Int
    public private(set) var height: Int
    /// Who this console records entries as.
    public let actor: String
    public let policy: Policy
    private let preferredIncident: IncidentID?

    var incidents: [IncidentID: IncidentView] = [:]
    /// Incident ids in declaration order.
    var incidentOrder: [IncidentID] = []
    public private(set) var selectedIncident: IncidentID?
    public internal(set) var focus: ConsoleFocus = .commandLine
    /// The pane Esc returns to from the command line.
    private var lastPane: ConsoleFocus = .timeline
    public internal(set) var editor = LineEditor()
    public internal(set) var notice: ConsoleNotice?
    /// Whether the store answers; the header says so when it does not.
    public internal(set) var storeHealth = StoreHealth.reachable
    var overlay: ConsoleOverlay?
    /// The checklist pane's selection and the attachable runbooks (ChecklistPane.swift).
    var checklist = ChecklistCursor()
    /// The contacts pane's book, selection and announced overdue pages (ContactsPane.swift).
    var contactsPane = ContactsPaneState()
    /// The configured channels and the status-update draft being edited (BroadcastDraft.swift).
    var broadcastPane = BroadcastPaneState()
    /// A declaration this console sent; when it comes back from the store the console switches to it.
    private var pendingDeclaration: Declaration?
    /// The first load picks the incident to show; a later reload must not undo the user's choice.
    private var hasLoaded = false
    let clock: TimeText

    public init(now: Date, timeZone: TimeZone, width: Int, height: Int, actor: String,
                policy: Policy = .standard, preferredIncident: IncidentID? = nil) {
        self.now = now
        self.timeZone = timeZone
        self.width = max(0, width)
        self.height = max(0, height)
        self.actor = actor
        self.policy = policy
        self.preferredIncident = preferredIncident
        clock = TimeText(timeZone: timeZone)
    }

    /// Applies one message and returns the effects the runner must perform.
    public mutating func update(_ message: ConsoleMessage) -> [ConsoleEffect] {
        switch message {
        case .key(let key):
            return handle(key)
        case .tick(let date):
            now = date
            announceOverdueAcks()
        case .resize(let width, let height):
            self.width = max(0, width)
            self.height = max(0, height)
            settleScroll()
        case .loaded(let events):
            apply(events)
            if !hasLoaded { chooseInitialIncident() }
            hasLoaded = true
        case .appended(let events):
            apply(events)
            noticeEngagement(after: events)
            noticeUndelivered(events)
        case .recordFailed(let text):
            notice = ConsoleNotice(text: text, isError: true)
        case .runbooksLoaded(let runbooks, let problems):
            runbooksLoaded(runbooks, problems: problems)
        case .contacts(let source):
            contactsLoaded(source)
        case .broadcast(let message):
            updateBroadcast(message)
        case .drill(let message):
            updateDrill(message)
        case .store(let message):
            updateStore(message)
        }
        return []
    }

    /// Where the terminal cursor belongs (the command line's insertion point), or `nil` to hide it.
    public var cursor: (x: Int, y: Int)? {
        if let draft = draftCursorPosition { return draft }
        guard overlay == nil, focus == .commandLine, let layout = ConsoleLayout(width: width, height: height) else { return nil }
        let field = commandField(layout.command)
        let window = editor.window(columns: field.width)
        return (field.x + (window.clipped ? 1 : 0) + window.cursorColumn, field.y)
    }

    /// Whether the console is showing the incident picker.
    public var isPickerOpen: Bool { if case .picker = overlay { true } else { false } }

    var current: IncidentView? { selectedIncident.flatMap { incidents[$0] } }

    // MARK: Store events

    private mutating func apply(_ events: [Event]) {
        for event in events {
            if incidents[event.incident] != nil {
                incidents[event.incident]!.apply(event)
            } else if let view = IncidentView(declaration: event) {
                incidents[event.incident] = view
                incidentOrder.append(event.incident)
                guard case .declared(let declaration) = event.payload else { continue }
                if event.actor == actor, declaration == pendingDeclaration {
                    pendingDeclaration = nil
                    selectedIncident = event.incident
                } else if selectedIncident == nil {
                    selectedIncident = event.incident
                } else if hasLoaded {
                    // Someone else opened an incident while this one is on screen: the commander must hear of it.
                    notice = ConsoleNotice(text: "\(event.incident) declared by \(event.actor): \(declaration.severity.rawValue) "
                                           + "\(declaration.title) (i to switch)", isError: false)
                }
            }
        }
        settleScroll()
    }

    /// The preferred incident; else the only active one; with several active, the newest and the picker; else the newest.
    private mutating func chooseInitialIncident() {
        if let preferred = preferredIncident {
            do throws(IncidentSelection.Failure) {
                selectedIncident = try IncidentSelection.resolve(preferred, among: incidentOrder.map { incidents[$0]!.state }).id
                return
            } catch {
                notice = ConsoleNotice(text: error.description, isError: true)
            }
        }
        let active = incidentOrder.filter { incidents[$0]!.state.isUnderWay }
        if let newest = active.last {
            selectedIncident = newest
            if active.count > 1 { overlay = .picker(newest) }
        } else {
            selectedIncident = incidentOrder.last
        }
    }

    // MARK: Keys

    private mutating func handle(_ key: Key) -> [ConsoleEffect] {
        if broadcastPane.draft != nil { return handleDraftKey(key) }
        let scopes: [KeyScope]
        switch overlay {
        case .confirmQuit: scopes = [.confirm]
        case .help: scopes = [.help]
        case .picker: scopes = [.picker]
        case .stepDetail: scopes = [.detail]
        case .confirmPage: scopes = [.confirmPage]
        case .confirmEndDrill: scopes = [.confirmEndDrill]
        case .scoreCard: scopes = [.scoreCard]
        case nil:
            switch focus {
            case .commandLine: scopes = [.commandLine, .everywhere]
            case .timeline: scopes = [.timeline, .panes, .everywhere]
            case .checklist: scopes = [.checklist, .panes, .everywhere]
            case .contacts: scopes = [.contacts, .panes, .everywhere]
            default: scopes = [.panes, .everywhere]
            }
        }
        if let action = KeyTable.action(for: key, in: scopes) { return perform(action) }
        if overlay == nil, focus == .commandLine, case .char(let c) = key { editor.insert(c) }
        return []
    }

    private mutating func perform(_ action: KeyAction) -> [ConsoleEffect] {
        switch overlay {
        case .confirmQuit:
            overlay = nil
            return action == .confirm ? [.quit] : []
        case .help(let scroll):
            overlay = action == .dismiss ? nil : .help(scroll: helpScroll(from: scroll, by: action))
            return []
        case .picker(let highlighted):
            performInPicker(action, highlighted: highlighted)
            return []
        case .stepDetail(let detail):
            performInStepDetail(action, detail)
            return []
        case .confirmPage(let confirmation):
            return performPageConfirmation(action, confirmation)
        case .confirmEndDrill(let id):
            return performEndDrillConfirmation(action, id)
        case .scoreCard(let card):
            performInScoreCard(action, card)
            return []
        case nil:
            break
        }
        switch action {
        case .focusNext, .focusPrevious:
            let cycle = ConsoleFocus.cycle
            let step = action == .focusNext ? 1 : cycle.count - 1
            setFocus(cycle[(cycle.firstIndex(of: focus)! + step) % cycle.count])
        case .showHelp: overlay = .help(scroll: 0)
        case .quit: return requestQuit()
        case .openPicker: overlay = .picker(selectedIncident)
        case .typeCommand:
            setFocus(.commandLine)
            if editor.isEmpty { editor.set("/") }
        case .openCommandLine: setFocus(.commandLine)
        case .leaveCommandLine: setFocus(lastPane)
        case .moveUp: scrollFocused(by: -1)
        case .moveDown: scrollFocused(by: 1)
        case .pageUp: scrollFocused(by: -pageSize(of: focus), paging: true)
        case .pageDown: scrollFocused(by: pageSize(of: focus), paging: true)
        case .first: scrollFocused(by: Int.min / 2)
        case .last: scrollFocused(by: Int.max / 2)
        case .timelinePageUp: scrollTimeline(by: -pageSize(of: .timeline), paging: true)
        case .timelinePageDown: scrollTimeline(by: pageSize(of: .timeline), paging: true)
        case .correctSelected:
            guard let view = current, view.entries.indices.contains(view.selected) else { break }
            editor.set("/correct \(view.entries[view.selected].id) ")
            setFocus(.commandLine)
        case .submit: return submit()
        case .openBroadcast: return openBroadcastDraft()
        case .sendBroadcast, .cancelBroadcast, .switchAudience, .redraftBroadcast: break
        case .checkStep, .skipStep, .undoStep, .showStep: return performChecklist(action)
        case .pageSelected, .ackSelected: return performContacts(action)
        case .cursorLeft: editor.moveLeft()
        case .cursorRight: editor.moveRight()
        case .lineStart: editor.moveToStart()
        case .lineEnd: editor.moveToEnd()
        case .deleteBackward: editor.deleteBackward()
        case .deleteForward: editor.deleteForward()
        case .clearLine: editor.clear()
        case .deleteWord: editor.deleteWordBackward()
        case .historyPrevious: editor.historyPrevious()
        case .historyNext: editor.historyNext()
        case .choose, .dismiss, .confirm: break
        }
        return []
    }

    mutating func setFocus(_ target: ConsoleFocus) {
        if target != .commandLine { lastPane = target }
        focus = target
    }

    private mutating func requestQuit() -> [ConsoleEffect] {
        if let view = current, view.state.isUnderWay {
            overlay = .confirmQuit(view.id)
            return []
        }
        return [.quit]
    }

    /// Incidents as the picker lists them: active ones first, newest first within each group.
    var pickerOrder: [IncidentID] {
        let newestFirst = incidentOrder.reversed()
        return newestFirst.filter { incidents[$0]!.state.isUnderWay }
            + newestFirst.filter { !incidents[$0]!.state.isUnderWay }
    }

    private mutating func performInPicker(_ action: KeyAction, highlighted: IncidentID?) {
        let order = pickerOrder
        let index = highlighted.flatMap { order.firstIndex(of: $0) } ?? 0
        switch action {
        case .moveUp where !order.isEmpty: overlay = .picker(order[max(0, index - 1)])
        case .moveDown where !order.isEmpty: overlay = .picker(order[min(order.count - 1, index + 1)])
        case .choose:
            if order.indices.contains(index) { selectedIncident = order[index] }
            overlay = nil
        case .dismiss: overlay = nil
        default: break
        }
    }

    // MARK: Scrolling

    private func pageSize(of focus: ConsoleFocus) -> Int {
        let inner = ConsoleLayout(width: width, height: height)?.rect(for: focus)?.inset(1).height ?? 1
        return max(1, inner - 1)
    }

    private mutating func scrollFocused(by delta: Int, paging: Bool = false) {
        switch focus {
        case .timeline: scrollTimeline(by: delta, paging: paging)
        case .status:
            guard let id = selectedIncident, var view = incidents[id] else { return }
            let rows = ConsoleLayout(width: width, height: height)?.status.inset(1).height ?? 1
            let limit = max(0, statusLines(view, width: statusWidth).count - rows)
            view.statusScroll = min(max(0, view.statusScroll + delta), limit)
            incidents[id] = view
        case .checklist:
            moveChecklist(by: paging ? delta.signum() * checklistPage : delta)
        case .contacts:
            moveContacts(by: delta)
        case .commandLine:
            break
        }
    }

    private mutating func scrollTimeline(by delta: Int, paging: Bool = false) {
        guard let id = selectedIncident else { return }
        let rows = timelineRows
        if paging {
            incidents[id]?.page(by: delta, height: rows)
        } else {
            incidents[id]?.moveSelection(by: delta, height: rows)
        }
    }

    /// After a resize or new entries, pins the stored scroll positions to what the view will show.
    private mutating func settleScroll() {
        guard let id = selectedIncident, let view = incidents[id] else { return }
        incidents[id]!.top = view.timelineTop(height: timelineRows)
    }

    var timelineRows: Int { ConsoleLayout(width: width, height: height)?.timeline.inset(1).height ?? 1 }
    var statusWidth: Int { ConsoleLayout(width: width, height: height)?.status.inset(1).width ?? 1 }

    private func helpScroll(from scroll: Int, by action: KeyAction) -> Int {
        let rows = max(1, helpRect.inset(1).height)
        let limit = max(0, helpLines(width: helpRect.inset(1).width).count - rows)
        let delta = switch action {
        case .moveUp: -1
        case .moveDown: 1
        case .pageUp: -(rows - 1)
        case .pageDown: rows - 1
        default: 0
        }
        return min(max(0, scroll + delta), limit)
    }

    // MARK: Commands

    private mutating func submit() -> [ConsoleEffect] {
        let line = editor.text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !line.isEmpty else { return [] }
        let intent: ConsoleIntent
        do throws(CommandLineError) {
            intent = try CommandLineParser.parse(line, now: now, timeZone: timeZone)
        } catch {
            return refuse(error.message)
        }
        switch intent {
        case .record(let command, let at):
            guard let view = current else {
                return refuse("no incident to record on: declare one with /declare L2 Title")
            }
            guard let effect = checked(command, on: view, at: at ?? now) else { return [] }
            accept()
            return [effect]
        case .declare(let declaration, let at):
            let occurredAt = at ?? now
            do throws(RuleError) {
                let valid = try declaration.validated(at: occurredAt, now: now, policy: policy)
                pendingDeclaration = valid
                accept()
                return [.declare(valid, occurredAt: occurredAt)]
            } catch {
                return refuse(error.description)
            }
        case .showIncident(nil):
            accept()
            overlay = .picker(selectedIncident)
        case .showIncident(let requested?):
            do throws(IncidentSelection.Failure) {
                let chosen = try IncidentSelection.resolve(requested, among: incidentOrder.map { incidents[$0]!.state })
                accept()
                selectedIncident = chosen.id
                settleScroll()
            } catch {
                return refuse(error.description)
            }
        case .attachRunbook(let id, let at):
            return submitAttach(id, at: at)
        case .page(let target, let via, let at):
            return askToPage(target, via: via, at: at)
        case .broadcastDraft(let audience):
            accept()
            return openBroadcastDraft(audience: audience)
        case .postmortem:
            return requestPostmortem()
        case .endDrill:
            return requestEndDrill()
        case .help:
            accept()
            overlay = .help(scroll: 0)
        case .quit:
            accept()
            return requestQuit()
        }
        return []
    }

    /// The effect that records `command`, checked first against the incident as the console has it (the store checks
    /// again in its transaction); on a refusal, says why and returns nil.
    mutating func checked(_ command: IncidentCommand, on view: IncidentView, at occurredAt: Date) -> ConsoleEffect? {
        do throws(RuleError) {
            _ = try view.state.decide(command, at: occurredAt, now: now, policy: policy)
        } catch {
            _ = refuse(error.description)
            return nil
        }
        return .record(view.id, command, occurredAt: occurredAt)
    }

    /// Keeps the line so the user can fix it; nothing is recorded.
    mutating func refuse(_ text: String) -> [ConsoleEffect] {
        notice = ConsoleNotice(text: text, isError: true)
        return []
    }

    mutating func accept() {
        editor.commit()
        notice = nil
    }
}
