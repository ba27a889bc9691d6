import Broadcast
import Console
import Dispatch
import Foundation
import IncidentCore

/// The console's side of broadcasting: sends status updates (on the store worker's queue) and runs the outbox
/// worker in the background for as long as the console is open, so deliveries and their retries never touch
/// the input loop, and a channel that is down holds up nothing but itself.
final class ConsoleBroadcaster: @unchecked Sendable {
    // @unchecked: `sender`, `worker` and `task` are set once in `start` on the input thread, before anything reads them.
    let config: WarroomConfig
    private let outbox: any WarroomStore
    private let workspace: URL
    private let clock: ConsoleClock
    private var sender: ChannelSender?
    private var worker: OutboxWorker?
    private var task: Task<Void, Never>?
    private let stopped = DispatchSemaphore(value: 0)

    init(config: WarroomConfig, outbox: any WarroomStore, workspace: URL, clock: ConsoleClock) {
        self.config = config
        self.outbox = outbox
        self.workspace = workspace
        self.clock = clock
    }

    /// Tells the console which channels exist and starts delivering; results reach the screen through the store.
    func start(mailbox: Mailbox) {
        mailbox.post(.broadcast(.channels(config.routes)))
        let clock = self.clock
        let sender = ChannelSender(workspace: workspace)
        self.sender = sender
        let worker = OutboxWorker(
            store: outbox, config: config, sender: sender, eventTime: { clock.now() },
            onError: { mailbox.post(.recordFailed($0)) })
        self.worker = worker
        if !worker.waitingElsewhere.isEmpty {
            mailbox.post(.recordFailed(
                "not sent from this machine (a secret they need is not set here): "
                    + worker.waitingElsewhere.joined(separator: ", ") + "; their deliveries wait for a machine that has it"))
        }
        let stopped = self.stopped
        task = Task.detached(priority: .utility) {
            await worker.run()
            stopped.signal()
        }
    }

    /// Records the update and its deliveries in one transaction, then wakes the worker. Runs on the store queue.
    func send(_ incident: IncidentID, message: String, audience: Audience, actor: String, mailbox: Mailbox) async throws {
        let recorded = try await StatusBroadcaster.send(
            message, audience: audience, to: incident, store: outbox, config: config, actor: actor, now: clock.now())
        let channels = recorded.deliveries.map(\.channel)
        var note: String?
        if channels.isEmpty, let state = try? await outbox.incidents().first(where: { $0.id == incident }) {
            note = StatusBroadcaster.noReceiverReason(config: config, state: state, audience: audience)
        }
        mailbox.post(.broadcast(.sent(update: recorded.update.id, channels: channels, note: note)))
        worker?.wake()
    }

    /// Records a confirmed webhook page with its delivery in one transaction, then wakes the worker. Runs on the store queue.
    func page(_ incident: IncidentID, order: PageOrder, occurredAt: Date, actor: String) async throws {
        _ = try await WebhookPager.send(order, to: incident, store: outbox, config: config, actor: actor,
                                  occurredAt: occurredAt, now: clock.now())
        worker?.wake()
    }

    /// Stops the worker: attempts in flight are cancelled and their leases released, so the next worker (this
    /// console reopened, or `warroom outbox run`) retries them with the same idempotency keys.
    func stop() {
        guard let task, let sender else { return }
        task.cancel()
        _ = stopped.wait(timeout: .now() + 3)
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            await sender.shutdown()
            done.signal()
        }
        _ = done.wait(timeout: .now() + 3)
    }
}
