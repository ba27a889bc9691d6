import Console
import Dispatch
import Drills
import Foundation
import IncidentCore
import Postmortem
import StoreKit

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

/// All of the console's store work, run one job at a time on a background task so the input loop never waits on
/// the disk or the network: the initial load, following other writers' events, and the appends the console asks for.
final class StoreWorker: @unchecked Sendable {
    // @unchecked: the mutable state below is touched only by jobs, which `jobs` runs one at a time.
    let mailbox = Mailbox()
    private let store: any WarroomStore
    private let actor: String
    private let clock: ConsoleClock
    private let policy: Policy
    private let pageSize: Int
    private typealias Job = @Sendable () async -> Void
    private let jobs: AsyncStream<Job>.Continuation
    private let runner: Task<Void, Never>
    private var ticker: Task<Void, Never>?
    private var listener: Task<Void, Never>?
    private var loaded = false
    private var cursor = LogCursor.start
    /// Set by a pushed change signal; the next tick reads the log even when it is not yet time to poll.
    private let signalled = ChangeFlag()
    private var ticksSinceRead = 0
    /// Whether the store answered the last time it was asked, and the spool standing in while it does not.
    private var reachable = true
    var spool: OfflineSpool?
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
    var drillScoreCard: DrillSession.ScoreCard? { scoreCard }
    private var scoreCard: DrillSession.ScoreCard?
    /// The inject a timer is already set for, so polling does not stack timers.
    private var injectTimer: Date?
    /// The contacts file: how to read it and what to watch. Set before `start`; `nil` when the contacts are fixed (a drill).
    var contacts: (load: @Sendable () -> ContactsSource, files: WatchedFiles)?
    /// The runbook files, re-read with `loadRunbooks` when they change. Set before `start`.
    var runbookFiles: WatchedFiles?
    private var contactsStamp = "", runbooksStamp = ""
    private var pollsSinceFileCheck = 0

    init(store: any WarroomStore, actor: String, clock: ConsoleClock, policy: Policy, pageSize: Int = 5000,
         runbooks: @escaping @Sendable () -> (usable: [Runbook], problems: [String]) = { ([], []) }) {
        self.store = store
        self.actor = actor
        self.clock = clock
        self.policy = policy
        self.pageSize = pageSize
        loadRunbooks = runbooks
        let (stream, continuation) = AsyncStream.makeStream(of: Job.self)
        jobs = continuation
        runner = Task.detached(priority: .userInitiated) {
            for await job in stream { await job() }
        }
    }

    /// Seconds between ticks: the drill's due injects, and reading the log when the store cannot push changes.
    private let pollInterval: TimeInterval = 0.25
    /// A store that pushes changes is still read this often, in case a signal was lost.
    private static let ticksPerFallbackRead = 8

    private func enqueue(_ job: @escaping Job) { jobs.yield(job) }

    /// Loads every event, then follows the log: every tick on a store that cannot push, at once on a pushed change
    /// signal (and every two seconds regardless) on one that can.
    func start() {
        enqueue { [self] in
            runbooksStamp = runbookFiles?.fingerprint() ?? ""
            reloadRunbooks()
            if let contacts {
                contactsStamp = contacts.files.fingerprint()
                mailbox.post(.contacts(contacts.load()))
            }
            await advanceDrill()
            await load()
            // After the load, so the console knows the drill's scenario and speed when it announces it.
            if let drill { mailbox.post(.drill(.started(drill.incident, sink: DrillSink.fileName))) }
        }
        if let signals = store.changeSignals() {
            listener = Task.detached { [weak self, signalled] in
                for await _ in signals {
                    signalled.set()
                    self?.enqueue { [weak self] in await self?.poll() }
                }
            }
        }
        let interval = pollInterval
        ticker = Task.detached { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(Int(interval * 1000)))
                guard let self else { return }
                self.enqueue { [weak self] in await self?.poll() }
            }
        }
    }

    /// Carries out a store effect; afterwards polls at once, so the new entry appears in log order with
    /// anything other writers added meanwhile.
    func perform(_ effect: ConsoleEffect) {
        enqueue { [self] in
            do {
                switch effect {
                case .record(let incident, .paging(.page(let order)), let occurredAt) where order.via == .webhook:
                    // The page and its outbox delivery go into one transaction.
                    guard let broadcaster else { throw ConsoleSetupError("this console cannot page by webhook") }
                    try await broadcaster.page(incident, order: order, occurredAt: occurredAt, actor: actor)
                case .record(let incident, let command, let occurredAt)
                    where !reachable && spool != nil && SpooledEntry.kind(of: command) != nil:
                    try spoolEntry(command, incident: incident, occurredAt: occurredAt)
                    return
                case .record(let incident, let command, let occurredAt):
                    let now = clock.now()
                    let actor = actor, policy = policy, runbooks = runbooks
                    _ = try await store.append(to: incident) { state in
                        // A severity change also attaches the runbooks that now apply, in the same transaction.
                        try state.drafts(for: command, at: occurredAt, now: now, actor: actor, policy: policy, runbooks: runbooks)
                    }
                case .declare(let declaration, let occurredAt):
                    let now = clock.now()
                    let valid = try declaration.validated(at: occurredAt, now: now, policy: policy)
                    let actor = actor, runbooks = runbooks
                    _ = try await store.declare(EventDraft(occurredAt: occurredAt, recordedAt: now, actor: actor, payload: .declared(valid))) {
                        $0.attachDrafts(from: runbooks, at: occurredAt, recordedAt: now, actor: actor)
                    }
                case .sendStatusUpdate(let incident, let message, let audience):
                    guard let broadcaster else { throw ConsoleSetupError("this console cannot send status updates") }
                    try await broadcaster.send(incident, message: message, audience: audience, actor: actor, mailbox: mailbox)
                case .generatePostmortem(let incident):
                    guard let postmortems else { throw ConsoleSetupError("this console cannot write postmortems") }
                    try await postmortems.generate(incident: incident, store: store, template: postmortems.template(explicit: nil),
                                             now: clock.now(), actor: actor)
                case .endDrill(let incident):
                    guard let drill, drill.incident == incident else {
                        throw ConsoleSetupError("this console is not running the drill \(incident); end it with warroom drill end \(incident)")
                    }
                    let now = clock.now()
                    deliver(try await drill.end(.ended, at: now, now: now, actor: actor))
                case .quit:
                    return
                }
            } catch StoreError.unreachable(let why) {
                lost(why)
                let spoolable = if case .record(_, let command, _) = effect { SpooledEntry.kind(of: command) != nil } else { false }
                if spoolable, spool != nil, case .record(let incident, let command, let occurredAt) = effect {
                    do {
                        try spoolEntry(command, incident: incident, occurredAt: occurredAt)
                    } catch {
                        mailbox.post(.recordFailed(String(describing: error)))
                    }
                    return
                }
                mailbox.post(.recordFailed(
                    "the team store is unreachable (\(why)): this change needs the shared state, so nothing was recorded; "
                        + "notes, decisions and action items are kept on this machine until it is back"))
            } catch {
                mailbox.post(.recordFailed(String(describing: error)))
            }
            signalled.set()
            await poll()
        }
    }

    /// Stops following the log and waits for the jobs still queued, so nothing typed just before quitting is lost.
    /// Returns whatever they reported that the console will no longer show. Called on the input thread, which may
    /// block: the jobs run on the concurrency pool, never on it.
    func stop() -> [ConsoleMessage] {
        ticker?.cancel()
        listener?.cancel()
        jobs.finish()
        let done = DispatchSemaphore(value: 0)
        let runner = runner
        Task.detached {
            await runner.value
            done.signal()
        }
        done.wait()
        return mailbox.take()
    }

    private func load() async {
        do {
            let (all, next) = try await fetch(after: .start)
            cursor = next
            loaded = true
            lastPollError = nil
            found()
            mailbox.post(.loaded(all))
        } catch {
            report(error, doing: "read the store")
        }
    }

    private func poll() async {
        await advanceDrill()
        pollsSinceFileCheck += 1
        if pollsSinceFileCheck >= Self.pollsPerFileCheck {
            pollsSinceFileCheck = 0
            reloadChangedFiles()
        }
        guard loaded else { return await load() }
        // A store that pushes changes is read when it signals one; reading it on every tick would be forty consoles'
        // worth of queries four times a second. Unreachable, it is asked again every tick until it answers.
        ticksSinceRead += 1
        let pushes = store.changeSignals() != nil
        guard !pushes || !reachable || signalled.take() || ticksSinceRead >= Self.ticksPerFallbackRead else { return }
        ticksSinceRead = 0
        do {
            let (new, next) = try await fetch(after: cursor)
            cursor = next
            lastPollError = nil
            found()
            guard !new.isEmpty else { return }
            mailbox.post(.appended(new))
        } catch {
            report(error, doing: "read new entries")
        }
    }

    private func fetch(after start: LogCursor) async throws -> ([Event], LogCursor) {
        var all: [Event] = []
        var cursor = start
        while true {
            let page = try await store.events(after: cursor, limit: pageSize)
            all += page.events
            cursor = page.cursor
            if !page.hasMore { return (all, cursor) }
        }
    }

    // MARK: Offline

    /// The store answered: if it had been unreachable, the spool goes to it first, in the order it was typed.
    private func found() {
        guard !reachable else { return }
        reachable = true
        guard let spool else { return mailbox.post(.store(.reachable(waiting: 0, refused: 0))) }
        enqueue { [self] in
            do {
                let report = try await spool.sync(into: store, policy: policy)
                let (waiting, refused) = try spool.counts()
                for entry in report.refused {
                    mailbox.post(.recordFailed(
                        "the team store refused a \(entry.kind.rawValue) typed offline: \(entry.problem ?? "") (kept in the spool)"))
                }
                mailbox.post(waiting > 0 ? .store(.unreachable(why: "sync interrupted", waiting: waiting))
                             : .store(.reachable(waiting: waiting, refused: refused)))
                signalled.set()
            } catch {
                report(error, doing: "send the offline spool")
            }
        }
    }

    /// The store did not answer: the header says so, with how many entries wait.
    private func lost(_ why: String) {
        reachable = false
        let waiting = (try? spool?.counts().waiting) ?? 0
        mailbox.post(.store(.unreachable(why: why, waiting: waiting)))
    }

    private func spoolEntry(_ command: IncidentCommand, incident: IncidentID, occurredAt: Date) throws {
        guard let spool, let (kind, text) = SpooledEntry.kind(of: command) else { return }
        let waiting = try spool.add(SpooledEntry(
            incident: incident, kind: kind, text: text, occurredAt: occurredAt, recordedAt: clock.now(), actor: actor))
        mailbox.post(.store(.unreachable(why: "entry kept on this machine", waiting: waiting)))
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
    private func advanceDrill() async {
        guard let drill else { return }
        do {
            let progress = try await drill.advance(now: clock.now())
            if let card = progress.scoreCard { deliver(card) }
            guard let next = progress.nextInject, injectTimer != next else { return }
            let delay = next.timeIntervalSince(clock.now()) / clock.speed
            guard delay < pollInterval else { return }
            injectTimer = next
            Task.detached { [weak self] in
                try? await Task.sleep(for: .milliseconds(Int(max(0, delay) * 1000)))
                self?.enqueue { [weak self] in
                    self?.injectTimer = nil
                    await self?.poll()
                }
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
        if case StoreError.unreachable(let why) = error { return lost(why) }
        let text = "could not \(what): \(error)"
        guard text != lastPollError else { return }
        lastPollError = text
        mailbox.post(.recordFailed(text))
    }
}

/// A flag set from one task and taken by another.
final class ChangeFlag: @unchecked Sendable {
    // @unchecked: `value` is only touched under `lock`.
    private let lock = NSLock()
    private var value = false

    func set() { lock.withLock { value = true } }

    /// Whether it was set, clearing it.
    func take() -> Bool { lock.withLock { defer { value = false }; return value } }
}
