import Foundation
import IncidentCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What one attempt came to.
public struct AttemptReport: Sendable, Equatable {
    public var delivery: Delivery
    public var result: AttemptResult
    /// The timeline entry recorded; `nil` when another worker had taken the delivery over meanwhile.
    public var entry: Event?
}

/// Delivers the outbox: claims each channel's oldest due delivery, attempts it with a timeout, and records the
/// outcome (delivered, retry after a backoff, or given up) with its timeline entry in one transaction.
///
/// Channels are independent: each attempt runs on its own task, so a channel that hangs delays only its own
/// later updates. Leases keep two workers (the console and `warroom outbox run`) off the same delivery;
/// a lease whose holder died on this host is taken over at once, any other when it runs out.
public final class OutboxWorker: @unchecked Sendable {
    // @unchecked: `busy`, `wakeRequested` and `lastAnnounced` are guarded by `lock`; everything else is immutable.
    public let owner: String
    private let store: any OutboxStore
    private let config: WarroomConfig
    private let sender: ChannelSender
    private let actor: String
    private let clock: @Sendable () -> Date
    private let eventTime: @Sendable () -> Date
    private let onError: @Sendable (String) -> Void
    private let lock = NSLock()
    private var busy: Set<String> = []
    private var wakeRequested = false
    private var lastAnnounced: Date?
    /// The channels this worker can send: configured here, with every secret they read set.
    private let sendable: Set<String>
    /// Channels configured here whose secrets are not set on this machine: their deliveries wait for another worker.
    public let waitingElsewhere: [String]

    /// `clock` schedules retries and leases (real time); `eventTime` stamps the timeline entries (the incident's
    /// clock, accelerated in drills). `onError` hears store failures, which leave the delivery to be retried.
    public init(
        store: any OutboxStore, config: WarroomConfig, sender: ChannelSender, actor: String = "warroom",
        owner: String = OutboxWorker.makeOwner(), clock: @escaping @Sendable () -> Date = { Date() },
        eventTime: @escaping @Sendable () -> Date = { Date() }, onError: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.store = store
        self.config = config
        self.sender = sender
        self.actor = actor
        self.owner = owner
        self.clock = clock
        self.eventTime = eventTime
        self.onError = onError
        let sendable = Set(config.allChannels.filter(sender.canSend).map(\.name))
        self.sendable = sendable
        waitingElsewhere = config.allChannels.map(\.name).filter { !sendable.contains($0) }
    }

    /// How often a worker tells the store it is alive; `warroom store status` counts a worker seen within
    /// `OutboxWorker.liveness` as one that will send.
    static let announceInterval: TimeInterval = 30
    /// A worker not seen for this long is taken for gone.
    public static let liveness: TimeInterval = 120

    /// Records in the store, at most every `announceInterval`, that this worker is alive and what it can send.
    private func announce(now: Date) async throws {
        let due = lock.withLock { () -> Bool in
            if let last = lastAnnounced, now.timeIntervalSince(last) < Self.announceInterval, now >= last { return false }
            lastAnnounced = now
            return true
        }
        if due { try await store.workerSeen(owner: owner, channels: sendable, at: now) }
    }

    /// `host/pid/random`: enough to tell whether the holder of a lease is still alive on this machine.
    public static func makeOwner() -> String {
        "\(ProcessInfo.processInfo.hostName)/\(getpid())/\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Whether the worker that wrote `owner` has died: only decidable for a process on this host.
    static func isGone(_ owner: String) -> Bool {
        let parts = owner.split(separator: "/")
        guard parts.count == 3, String(parts[0]) == ProcessInfo.processInfo.hostName, let pid = pid_t(parts[1]) else { return false }
        if pid == getpid() { return false }
        return kill(pid, 0) != 0 && errno == ESRCH
    }

    // MARK: One pass

    /// Attempts every channel's due delivery once, concurrently, and waits for them. Channels in `skipping` are left alone.
    public func deliverDue(skipping: Set<String> = [], deadline: Date? = nil) async -> [AttemptReport] {
        let claimed = await claim(skipping: skipping)
        return await withTaskGroup(of: AttemptReport?.self) { group in
            for delivery in claimed {
                group.addTask { await self.attempt(delivery, deadline: deadline) }
            }
            var reports: [AttemptReport] = []
            for await report in group { if let report { reports.append(report) } }
            return reports.sorted { $0.delivery.id < $1.delivery.id }
        }
    }

    /// Delivers in the foreground until nothing more is due or `deadline` passes; a channel that fails is not
    /// tried again in this run (its retry is left to a background worker). Used by `warroom broadcast --send`.
    public func deliverPending(until deadline: Date) async -> [AttemptReport] {
        var reports: [AttemptReport] = []
        var failed: Set<String> = []
        while clock() < deadline {
            let pass = await deliverDue(skipping: failed, deadline: deadline)
            if pass.isEmpty { break }
            reports += pass
            for report in pass {
                if case .delivered = report.result {} else { failed.insert(report.delivery.channel) }
            }
        }
        return reports
    }

    // MARK: Background

    /// Runs until the task is cancelled: claims due deliveries about every `interval` seconds, or at once after
    /// `wake()`, and attempts each on its own child task. Cancelling stops the attempts in flight; their leases
    /// are released so the next worker retries them with the same idempotency key.
    public func run(interval: TimeInterval = 0.5) async {
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled {
                for delivery in await claim(skipping: []) {
                    group.addTask {
                        _ = await self.attempt(delivery, deadline: nil)
                        self.finished(delivery.channel)
                    }
                }
                await nap(interval)
            }
        }
    }

    /// Asks a running worker to look for due deliveries now (a status update was just sent).
    public func wake() {
        lock.withLock { wakeRequested = true }
    }

    private func finished(_ channel: String) {
        lock.withLock {
            busy.remove(channel)
            wakeRequested = true
        }
    }

    private func nap(_ interval: TimeInterval) async {
        let end = ProcessInfo.processInfo.systemUptime + interval
        while ProcessInfo.processInfo.systemUptime < end, !Task.isCancelled {
            if lock.withLock({ () -> Bool in defer { wakeRequested = false }; return wakeRequested }) { return }
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
    }

    // MARK: Attempts

    private func claim(skipping: Set<String>) async -> [Delivery] {
        let now = clock()
        do {
            try await announce(now: now)
            // Nothing due: skip the write transaction a claim takes.
            guard let due = try await store.nextDueTime(), due <= now else { return [] }
            let exclude = lock.withLock { busy.union(skipping) }
            let longest = config.channels.map(\.timeout.seconds).max() ?? config.delivery.timeout.seconds
            let claimed = try await store.claimDue(
                now: now, owner: owner, leaseUntil: now.addingTimeInterval(longest + 30), channels: sendable,
                busy: exclude, ownerIsGone: Self.isGone)
            lock.withLock { for d in claimed { busy.insert(d.channel) } }
            return claimed
        } catch {
            onError("the outbox could not be read: \(error)")
            return []
        }
    }

    private func attempt(_ delivery: Delivery, deadline: Date?) async -> AttemptReport? {
        defer { lock.withLock { _ = busy.remove(delivery.channel) } }
        let number = delivery.attempts + 1
        guard let channel = config.channel(named: delivery.channel) else {
            preconditionFailure("claimDue leases only the channels this worker can send")
        }
        var timeout = channel.timeout.seconds
        if let deadline { timeout = min(timeout, max(0.2, deadline.timeIntervalSince(clock()))) }
        let outcome = await sender.send(delivery, via: channel, timeout: timeout)
        if Task.isCancelled {
            // Stopping: the attempt's fate is unknown, so it is not counted; the next worker retries it with the same key.
            try? await store.releaseLease(delivery, owner: owner)
            return nil
        }
        let now = clock()
        let result: AttemptResult
        let entry: DeliveryEvent
        switch outcome {
        case .delivered(let detail):
            result = .delivered(detail: detail)
            entry = .delivered(update: delivery.update, channel: delivery.channel, attempt: number, detail: detail)
        case .failed(let problem) where problem.retryable && number < config.delivery.attempts:
            var delay = config.delivery.retryDelay(afterAttempt: number)
            if let asked = problem.retryAfter { delay = min(config.delivery.maxBackoff.seconds, max(delay, asked)) }
            let seconds = Int(delay.rounded(.up))
            result = .retry(problem: problem.message, at: now.addingTimeInterval(delay))
            entry = .failed(update: delivery.update, channel: delivery.channel, attempt: number, problem: problem.message,
                            retryIn: seconds)
        case .failed(let problem):
            result = .abandon(problem: problem.message)
            entry = .abandoned(update: delivery.update, channel: delivery.channel, attempt: number, problem: problem.message)
        }
        let time = eventTime()
        do {
            let event = try await store.finishAttempt(
                delivery, owner: owner, now: now, result: result,
                entry: EventDraft(occurredAt: time, recordedAt: time, actor: actor, payload: .delivery(entry)))
            return AttemptReport(delivery: delivery, result: result, entry: event)
        } catch {
            // The lease runs out and the delivery is retried: a duplicate the idempotency key makes recognisable.
            onError("could not record the delivery to \(delivery.channel): \(error)")
            return AttemptReport(delivery: delivery, result: result, entry: nil)
        }
    }
}
