import Foundation
import IncidentCore
import PostgresNIO

/// The channel every store notifies after appending, with its workspace as the payload.
let eventsChannel = "warroom_events"

/// A console's dedicated LISTEN connection on `warroom_events`: a signal for each notification about its workspace,
/// and one after every reconnection, since notifications sent while it was away are lost.
final class ChangeListener: Sendable {
    let signals: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation
    private let task = Locked<Task<Void, Never>?>(nil)

    private init() {
        // Signals carry no data: one waiting is as good as many.
        (signals, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Connects and starts listening; returns once the server has confirmed the LISTEN.
    static func start(_ endpoint: PostgresLocation.Endpoint, workspace: String, logger: Logger) async throws -> ChangeListener {
        let configuration = try endpoint.configuration(applicationName: "warroom (listen)")
        let first = try await WorkConnection.connect(configuration, endpoint, logger)
        let listener = ChangeListener()
        do {
            try await withCheckedThrowingContinuation { (ready: CheckedContinuation<Void, any Error>) in
                listener.task.withLock {
                    $0 = Task {
                        await listener.listen(first, configuration, endpoint, workspace: workspace, logger: logger, ready: ready)
                    }
                }
            }
        } catch {
            await listener.stop()
            throw error
        }
        return listener
    }

    /// Wakes the reader as a notification would.
    func signal() { continuation.yield() }

    func stop() async {
        let task = self.task.withLock { $0 }
        task?.cancel()
        await task?.value
    }

    private func listen(
        _ first: PostgresConnection, _ configuration: PostgresConnection.Configuration, _ endpoint: PostgresLocation.Endpoint,
        workspace: String, logger: Logger, ready: CheckedContinuation<Void, any Error>
    ) async {
        var ready: CheckedContinuation<Void, any Error>? = ready
        var connection: PostgresConnection? = first
        var delay = Duration.milliseconds(100)
        while !Task.isCancelled {
            do {
                let open: PostgresConnection
                if let connection { open = connection } else { open = try await WorkConnection.connect(configuration, endpoint, logger) }
                connection = open
                try await open.listen(on: eventsChannel) { notifications in
                    if let waiting = ready {
                        waiting.resume()
                        ready = nil
                    } else {
                        continuation.yield()
                    }
                    delay = .milliseconds(100)
                    for try await notification in notifications where notification.payload == workspace {
                        continuation.yield()
                    }
                }
            } catch {
                if let waiting = ready {
                    waiting.resume(throwing: Failure.classify(error, endpoint))
                    try? await connection?.close()
                    continuation.finish()
                    return
                }
            }
            try? await connection?.close()
            connection = nil
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(5))
        }
        ready?.resume(throwing: CancellationError())
        try? await connection?.close()
        continuation.finish()
    }
}

/// Sends `pg_notify` on the work connection after commits, never inside a transaction (a NOTIFY inside one takes
/// a server-wide lock at commit, serialising every writer). The first commit after a quiet spell is told at once,
/// queued right behind its COMMIT while the connection is still the committing caller's, and not waited for: the
/// caller returns once committed, and its next statement simply follows the notification. Commits within `window`
/// (10 ms) of the last notification are told together by one more, carried by the first commit after the window
/// or, if none comes, sent when it ends: a notification costs the server nearly as much as an append's lock and
/// read, and a reader woken once reads everything new anyway.
final class Notifier: Sendable {
    private struct State {
        var lastSent: ContinuousClock.Instant?
        /// Commits made since the last notification.
        var untold = false
        /// Will tell them when the window ends, if no commit has by then.
        var timer: Task<Void, Never>?
        /// A connection runs its statements in order, so once the last one sent is done all are.
        var lastNotification: EventLoopFuture<PostgresQueryResult>?
    }

    private let state = Locked(State())
    private let workspace: String
    private let work: WorkConnection
    private let window: Duration

    init(workspace: String, work: WorkConnection, window: Duration = .milliseconds(10)) {
        self.workspace = workspace
        self.work = work
        self.window = window
    }

    /// Called on the committing caller's connection, before anyone else may use it. Whether to tell, and whether a
    /// timer will, are decided under one lock with the timer's own decisions, so no commit goes untold.
    func committed(on connection: PostgresConnection) {
        state.withLock { state in
            guard let lastSent = state.lastSent, ContinuousClock.now < lastSent + window else {
                send(on: connection, &state)
                return
            }
            state.untold = true
            guard state.timer == nil else { return }
            state.timer = Task {
                try? await Task.sleep(until: lastSent + self.window)
                let stillUntold = self.state.withLock { state in
                    if !state.untold { state.timer = nil }
                    return state.untold
                }
                guard stillUntold else { return }
                // Through the gate, so this comes after the commits it tells of; it then clears the timer, under the
                // lock, before any later commit can look at it.
                await self.work.ifOpen { connection in
                    self.state.withLock { state in
                        state.timer = nil
                        // A connection lost since took its commits' notifications with it: readers also poll.
                        if state.untold, let connection { self.send(on: connection, &state) }
                        state.untold = false
                    }
                }
            }
        }
    }

    /// Waits for the notifications so far to go out, a pending one included. One lost with its connection costs
    /// only latency: readers also poll.
    func flush() async {
        await state.withLock { $0.timer }?.value
        _ = try? await state.withLock { $0.lastNotification }?.get()
    }

    private func send(on connection: PostgresConnection, _ state: inout State) {
        state.lastSent = .now
        state.untold = false
        state.lastNotification = connection.query("SELECT pg_notify(\(eventsChannel), \(workspace))", logger: quietLogger)
    }
}
