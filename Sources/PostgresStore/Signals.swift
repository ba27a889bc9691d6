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
/// a server-wide lock at commit, serialising every writer). Each is queued right behind its COMMIT, while the
/// connection is still the committing caller's, and not waited for: the caller returns once committed, and its next
/// statement simply follows the notification on the connection, as no one else's can come between.
final class Notifier: Sendable {
    private let workspace: String
    /// The last one queued. A connection runs its statements in order, so once this one is done all are.
    private let last = Locked<EventLoopFuture<PostgresQueryResult>?>(nil)

    init(workspace: String) {
        self.workspace = workspace
    }

    func committed(on connection: PostgresConnection) {
        let sent: EventLoopFuture<PostgresQueryResult> = connection.query(
            "SELECT pg_notify(\(eventsChannel), \(workspace))", logger: quietLogger)
        last.withLock { $0 = sent }
    }

    /// Waits for the notifications queued so far to go out. One lost with its connection costs only latency:
    /// readers also poll.
    func flush() async {
        _ = try? await last.withLock { $0 }?.get()
    }
}
