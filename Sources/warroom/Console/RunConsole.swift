import Console
import Drills
import Foundation
import IncidentCore
import Postmortem
import StoreKit
import Terminal

/// Opens the console on `store` and runs it until the user quits; the calling thread becomes the input loop.
///
/// Keys, the one-second tick, resizes and the store worker's results are all messages to `ConsoleModel`;
/// the effects it returns go to the worker's background queue, so the loop only ever blocks in the
/// terminal read (for at most `inputTimeout`). On SIGTERM, SIGINT or SIGHUP the terminal is restored
/// and the process dies of the same signal. With `drill`, the worker fires its injects; returns its score card if
/// the drill ended while the console was open.
@discardableResult
func runConsole(
    store: any WarroomStore, spool: OfflineSpool? = nil, actor: String, incident: IncidentID?, timeZone: TimeZone = .current,
    clock: ConsoleClock, policy: Policy = .standard,
    contacts: (load: @Sendable () -> ContactsSource, files: WatchedFiles)? = nil, broadcaster: ConsoleBroadcaster? = nil,
    runbooks: @escaping @Sendable () -> (usable: [Runbook], problems: [String]) = { ([], []) }, runbookFiles: WatchedFiles? = nil,
    postmortems: PostmortemWriter? = nil, drill: DrillSession? = nil
) throws -> DrillSession.ScoreCard? {
    let signals = TerminationSignals()
    let screen: TerminalScreen
    do {
        screen = try TerminalScreen()
    } catch {
        signals.finish()
        throw error
    }
    let worker = StoreWorker(store: store, actor: actor, clock: clock, policy: policy, runbooks: runbooks)
    var loop = ConsoleLoop(
        model: ConsoleModel(now: clock.now(), timeZone: timeZone, width: screen.width, height: screen.height,
                            actor: actor, policy: policy, preferredIncident: incident),
        screen: screen, worker: worker, clock: clock)
    worker.contacts = contacts
    worker.runbookFiles = runbookFiles
    worker.broadcaster = broadcaster
    worker.postmortems = postmortems
    worker.drill = drill
    worker.spool = spool
    worker.start()
    broadcaster?.start(mailbox: worker.mailbox)
    let caught = loop.run(until: { signals.received })

    screen.end()
    broadcaster?.stop()
    signals.finish()
    for case .recordFailed(let reason) in worker.stop() {
        CLIOutput.printError("warroom: not recorded: \(InertText.make(reason))")
    }
    if let caught { TerminationSignals.reraise(caught) }
    return worker.drillScoreCard
}

/// The input loop: the model, the screen it draws on and the worker its effects go to.
struct ConsoleLoop {
    var model: ConsoleModel
    let screen: TerminalScreen
    let worker: StoreWorker
    let clock: ConsoleClock
    /// How long one terminal read may block: the worst-case delay before store results are drawn.
    var inputTimeout = 50
    /// Keys already waiting are handled together before one redraw, so a paste does not redraw per character.
    var maxBatch = 256

    private var dirty = true
    private var quitting = false

    init(model: ConsoleModel, screen: TerminalScreen, worker: StoreWorker, clock: ConsoleClock) {
        self.model = model
        self.screen = screen
        self.worker = worker
        self.clock = clock
    }

    /// Runs until the model asks to quit (returns `nil`) or `interrupted` reports a signal (returns it).
    mutating func run(until interrupted: () -> Int32?) -> Int32? {
        var nextTick = ProcessInfo.processInfo.systemUptime + 1
        while !quitting {
            if let signal = interrupted() { return signal }
            for message in worker.mailbox.take() { send(message) }
            let uptime = ProcessInfo.processInfo.systemUptime
            if uptime >= nextTick {
                send(.tick(clock.now()))
                // After a stall (a suspended process), tick once rather than catching up tick by tick.
                nextTick = max(nextTick + 1, uptime + 0.5)
            }
            if quitting { break }
            if dirty {
                screen.draw(model.render(), cursor: model.cursor)
                dirty = false
            }
            let wait = max(0, min(inputTimeout, Int((nextTick - uptime) * 1000)))
            guard let first = screen.read(timeout: wait) else { continue }
            handle(first)
            var handled = 1
            while !quitting, handled < maxBatch, let next = screen.read(timeout: 0) {
                handle(next)
                handled += 1
            }
        }
        return nil
    }

    private mutating func handle(_ input: TerminalInput) {
        switch input {
        case .key(let key):
            send(.key(key))
        case .resize(let width, let height):
            send(.resize(width: width, height: height))
            screen.invalidate()
        }
    }

    private mutating func send(_ message: ConsoleMessage) {
        let effects = model.update(message)
        dirty = true
        for effect in effects {
            if effect == .quit { quitting = true } else { worker.perform(effect) }
        }
    }
}
