import Console
import Dispatch
import Drills
import Foundation
import IncidentCore
import Postmortem

/// Results waiting for the input loop, which drains them once per iteration.
final class Mailbox: @unchecked Sendable {
    // @unchecked: every access goes through `lock`.
    private let lock = NSLock()
    private var messages: [ConsoleMessage] = []

    func post(_ message: ConsoleMessage) {
        lock.withLock { messages.append(message) }
    }

    /// Everything posted so far, oldest first.
    func take() -> [ConsoleMessage] {
        lock.withLock {
            defer { messages.removeAll(keepingCapacity: true) }
            return messages
        }
    }
}

/// All of the console's store work, on one serial background queue so the input loop never waits on disk:
/// the initial load, polling for other writers' events, and the appends the console asks for.
final class StoreWorker: @unchecked Sendable {
    // @unchecked: the mutable state below is touched only on `queue`.
    let mailbox = Mailbox()
    private let store: any EventStore
    private let actor: String
    private let clock: ConsoleClock
    private let policy: Policy
    private let pageSize: Int
    private let queue = DispatchQueue(label: "warroom.console.store", qos: .userInitiated)
    private var timer: (any DispatchSourceTimer)?
    private var loaded = false
    private var lastSeen: EventID = 0
    private var lastPollError: String?
    /// Reads the runbook files (on the worker's queue, never the input loop): the usable ones and every problem.
    private let loadRunbooks: @Sendable () -> (usable: [Runbook], problems: [String])
    /// The runbooks declarations and severity changes attach automatically; `/runbook ID` picks from the same.
    private var runbooks: [Runbook] = []
    /// Sends status updates into the outbox (ConsoleBroadcaster.swift); set before `start`.
    var broadcaster: ConsoleBroadcaster?
    /// Writes postmortems for `/postmortem` (PostmortemCommand.swift); set before `start`.
    var postmortems: PostmortemWriter?
    /// The drill this console runs: its injects fire from here. Set before `start`.
    var drill: DrillSession?
    /// The drill's score card, once it ended while the console was open; read after `stop`.
    var drillScoreCard: DrillSession.ScoreCard? { queue.sync { scoreCard } }
    private var scoreCard: DrillSession.ScoreCard?
    /// The inject a timer is already set for, so polling does not stack timers.
    private var injectTimer: Date?
    /// The contacts file: how to read it and what to watch. Set before `start`; `nil` when the contacts are fixed (a drill).
    var contacts: (load: @Sendable () -> ContactsSource, files: WatchedFiles)?
    /// The runbook files, re-read with `loadRunbooks` when they change. Set before `start`.
    var runbookFiles: WatchedFiles?
    private var contactsStamp = "", runbooksStamp = ""
    private var pollsSinceFileCheck = 0

    init(store: any EventStore, actor: String, clock: ConsoleClock, policy: Policy, pageSize: Int = 5000,
         runbooks: @escaping @Sendable () -> (usable: [Runbook], problems: [String]) = { ([], []) }) {
        self.store = store
        self.actor = actor
        self.clock = clock
        self.policy = policy
        self.pageSize = pageSize
        loadRunbooks = runbooks
    }

    /// Seconds between polls for other writers' entries (and the drill's due injects).
    private let pollInterval: TimeInterval = 0.25

    /// Loads every event, then polls every `pollInterval` seconds so another process's entries show up.
    func start() {
        let interval = pollInterval
        queue.async { [self] in
            runbooksStamp = runbookFiles?.fingerprint() ?? ""
            reloadRunbooks()
            if let contacts {
                contactsStamp = contacts.files.fingerprint()
                mailbox.post(.contacts(contacts.load()))
            }
            advanceDrill()
            load()
            // After the load, so the console knows the drill's scenario and speed when it announces it.
            if let drill { mailbox.post(.drill(.started(drill.incident, sink: DrillSink.fileName))) }
            let timer = DispatchSource.makeTimerSource(queue: queue)
            timer.schedule(deadline: .now() + interval, repeating: interval, leeway: .milliseconds(20))
            timer.setEventHandler { [weak self] in self?.poll() }
            timer.resume()
            self.timer = timer
        }
    }

    /// Carries out a store effect; afterwards polls at once, so the new entry appears in log order with
    /// anything other writers added meanwhile.
    func perform(_ effect: ConsoleEffect) {
        queue.async { [self] in
            do {
                switch effect {
                case .record(let incident, .paging(.page(let order)), let occurredAt) where order.via == .webhook:
                    // The page and its outbox delivery go into one transaction.
                    guard let broadcaster else { throw ConsoleSetupError("this console cannot page by webhook") }
                    try broadcaster.page(incident, order: order, occurredAt: occurredAt, actor: actor)
                case .record(let incident, let command, let occurredAt):
                    let now = clock.now()
                    let actor = actor, policy = policy, runbooks = runbooks
                    _ = try store.append(to: incident) { state in
                        // A severity change also attaches the runbooks that now apply, in the same transaction.
                        try state.drafts(for: command, at: occurredAt, now: now, actor: actor, policy: policy, runbooks: runbooks)
                    }
                case .declare(let declaration, let occurredAt):
                    let now = clock.now()
                    let valid = try declaration.validated(at: occurredAt, now: now, policy: policy)
                    let actor = actor, runbooks = runbooks
                    _ = try store.declare(EventDraft(occurredAt: occurredAt, recordedAt: now, actor: actor, payload: .declared(valid))) {
                        $0.attachDrafts(from: runbooks, at: occurredAt, recordedAt: now, actor: actor)
                    }
                case .sendStatusUpdate(let incident, let message, let audience):
                    guard let broadcaster else { throw ConsoleSetupError("this console cannot send status updates") }
                    try broadcaster.send(incident, message: message, audience: audience, actor: actor, mailbox: mailbox)
                case .generatePostmortem(let incident):
                    guard let postmortems else { throw ConsoleSetupError("this console cannot write postmortems") }
                    try postmortems.generate(incident: incident, store: store, template: postmortems.template(explicit: nil),
                                             now: clock.now(), actor: actor)
                case .endDrill(let incident):
                    guard let drill, drill.incident == incident else {
                        throw ConsoleSetupError("this console is not running the drill \(incident); end it with warroom drill end \(incident)")
                    }
                    let now = clock.now()
                    deliver(try drill.end(.ended, at: now, now: now, actor: actor))
                case .quit:
                    return
                }
            } catch {
                mailbox.post(.recordFailed(String(describing: error)))
            }
            poll()
        }
    }

    /// Stops polling and waits for appends still queued, so nothing typed just before quitting is lost.
    /// Returns whatever they reported that the console will no longer show.
    func stop() -> [ConsoleMessage] {
        queue.sync {
            timer?.cancel()
            timer = nil
        }
        return mailbox.take()
    }

    private func load() {
        do {
            let all = try fetch(after: 0)
            lastSeen = all.last?.id ?? 0
            loaded = true
            lastPollError = nil
            mailbox.post(.loaded(all))
        } catch {
            report(error, doing: "read the store")
        }
    }

    private func poll() {
        advanceDrill()
        pollsSinceFileCheck += 1
        if pollsSinceFileCheck >= Self.pollsPerFileCheck {
            pollsSinceFileCheck = 0
            reloadChangedFiles()
        }
        guard loaded else { return load() }
        do {
            let new = try fetch(after: lastSeen)
            lastPollError = nil
            guard let last = new.last else { return }
            lastSeen = last.id
            mailbox.post(.appended(new))
        } catch {
            report(error, doing: "read new entries")
        }
    }

    private func fetch(after start: EventID) throws -> [Event] {
        var all: [Event] = []
        var cursor = start
        while true {
            let page = try store.events(after: cursor, limit: pageSize)
            all += page
            guard page.count == pageSize, let last = page.last else { return all }
            cursor = last.id
        }
    }

    // MARK: Contacts and runbooks

    /// Files are checked about once a second: an edit shows up quickly, and the disk is not asked four times a second.
    private static let pollsPerFileCheck = 4

    private func reloadRunbooks() {
        let catalog = loadRunbooks()
        runbooks = catalog.usable
        mailbox.post(.runbooksLoaded(catalog.usable, problems: catalog.problems))
    }

    /// Re-reads contacts.yaml or the runbooks when they changed on disk since they were last read.
    private func reloadChangedFiles() {
        if let contacts {
            let stamp = contacts.files.fingerprint()
            if stamp != contactsStamp {
                contactsStamp = stamp
                mailbox.post(.contacts(contacts.load()))
            }
        }
        if let runbookFiles {
            let stamp = runbookFiles.fingerprint()
            if stamp != runbooksStamp {
                runbooksStamp = stamp
                reloadRunbooks()
            }
        }
    }

    // MARK: Drill

    /// Fires the injects that are due, ends the drill once its incident is resolved, and sets a timer for the next
    /// inject when it falls between two polls, so it is recorded on time even at high speed.
    private func advanceDrill() {
        guard let drill else { return }
        do {
            let progress = try drill.advance(now: clock.now())
            if let card = progress.scoreCard { deliver(card) }
            guard let next = progress.nextInject, injectTimer != next else { return }
            let delay = next.timeIntervalSince(clock.now()) / clock.speed
            guard delay < pollInterval else { return }
            injectTimer = next
            queue.asyncAfter(deadline: .now() + max(0, delay)) { [weak self] in
                self?.injectTimer = nil
                self?.poll()
            }
        } catch {
            report(error, doing: "run the drill")
        }
    }

    private func deliver(_ card: DrillSession.ScoreCard) {
        scoreCard = card
        mailbox.post(.drill(.scoreCard(card.card.incident, path: card.path, text: card.text)))
    }

    /// A failing poll repeats every quarter second; say so once, not four times a second.
    private func report(_ error: any Error, doing what: String) {
        let text = "could not \(what): \(error)"
        guard text != lastPollError else { return }
        lastPollError = text
        mailbox.post(.recordFailed(text))
    }
}
