import CNcursesw
import Dispatch
import Foundation

// The only file that calls the shim's warroom_guard_* functions: their state is static in the header,
// so each Swift file calling them would hold a separate copy.

/// Restores the terminal when the process crashes or exits without ending the screen.
enum TerminalGuard {
    /// Remembers the modes of `tty` as the shell left them; must run before ncurses takes the terminal.
    static func saveModes(tty: Int32) {
        warroom_guard_save_modes(tty)
    }

    /// Installs the crash handlers; `reset` is written to the terminal before the saved modes are put back.
    static func arm(reset: String) {
        reset.withCString { warroom_guard_arm($0, 1) }
    }

    static func disarm() {
        warroom_guard_disarm()
    }

    /// Restores what it can and exits at once; for when the input loop does not answer a signal.
    static func restoreAndExit(status: Int32) -> Never {
        warroom_guard_restore_and_exit(status)
        fatalError("unreachable: _exit returned")
    }
}

/// Turns SIGTERM, SIGINT and SIGHUP into a request the input loop notices within one read timeout,
/// so the terminal is restored by the same code as a normal quit. ncurses keeps SIGWINCH.
public final class TerminationSignals: @unchecked Sendable {
    // @unchecked: `received` and `finished` are guarded by `lock`; the sources are touched only in init and finish.
    private let lock = NSLock()
    private var pending: Int32?
    private var finished = false
    private var sources: [any DispatchSourceSignal] = []
    private let signals: [Int32]
    private let queue = DispatchQueue(label: "warroom.termination-signals")

    /// Starts watching. If the loop has not finished `grace` seconds after a signal, the terminal is
    /// restored from here and the process exits with 128 + the signal number.
    public init(signals: [Int32] = [SIGTERM, SIGINT, SIGHUP], grace: TimeInterval = 2) {
        self.signals = signals
        // A parent may have started us with these blocked (a mask is inherited); the watch would never fire.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        for number in signals { sigaddset(&unblock, number) }
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
        for number in signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler(handler: Self.handler(for: number, owner: self, grace: grace))
            source.resume()
            sources.append(source)
        }
    }

    // A separate nonisolated function, so the closure is @Sendable and never inherits a caller's actor
    // (a handler written in main.swift would be main-actor code running on this queue, and trap).
    private static func handler(for number: Int32, owner: TerminationSignals, grace: TimeInterval) -> @Sendable () -> Void {
        { [weak owner] in
            guard let owner else { return }
            owner.lock.withLock { if owner.pending == nil { owner.pending = number } }
            owner.queue.asyncAfter(deadline: .now() + grace) { [weak owner] in
                guard let owner, !owner.lock.withLock({ owner.finished }) else { return }
                TerminalGuard.restoreAndExit(status: 128 + number)
            }
        }
    }

    /// The first signal received, if any.
    public var received: Int32? { lock.withLock { pending } }

    /// Stops watching and gives the signals their default actions back.
    public func finish() {
        lock.withLock { finished = true }
        for source in sources { source.cancel() }
        for number in signals { signal(number, SIG_DFL) }
    }

    /// Dies of `number` the way the process would have without us, so the shell sees the real cause.
    public static func reraise(_ number: Int32) -> Never {
        signal(number, SIG_DFL)
        raise(number)
        exit(128 + number)
    }
}
