import Foundation
import IncidentCore

/// Why a status update was not sent. Nothing is recorded when one of these is thrown.
public enum BroadcastError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An executive update promised when the fix will land.
    case promisesFixTime(String)
    /// A channel's service refuses messages this long.
    case tooLong(channel: String, format: WebhookFormat, bytes: Int, limit: Int)

    public var description: String {
        switch self {
        case .promisesFixTime(let phrase):
            return "an executive update never promises a fix time, and this one says \"\(InertText.make(phrase))\"; "
                + "say what is being done and when the next update comes instead"
        case .tooLong(let channel, let format, let bytes, let limit):
            return "the update is \(bytes) bytes, and channel \(channel) (\(format.rawValue)) takes at most \(limit); shorten it"
        }
    }
}

/// Sends a status update: records it and one outbox delivery per receiving channel in one transaction.
/// Delivery itself is the `OutboxWorker`'s job.
public enum StatusBroadcaster {
    /// Checks the update against the incident as the store has it, then writes it with its deliveries.
    /// `now` is the incident clock (the update's time); `scheduleNow` is the real clock the outbox schedules by.
    public static func send(
        _ message: String, audience: Audience, to incident: IncidentID, store: any OutboxStore, config: WarroomConfig,
        actor: String, now: Date, scheduleNow: Date = Date()
    ) async throws -> RecordedStatusUpdate {
        try await store.recordStatusUpdate(to: incident, actor: actor, now: scheduleNow) { state in
            try plan(message, audience: audience, state: state, config: config, actor: actor, now: now)
        }
    }

    /// The pure half of `send`: validates and decides who receives what.
    public static func plan(
        _ message: String, audience: Audience, state: IncidentState, config: WarroomConfig, actor: String, now: Date
    ) throws -> StatusUpdatePlan {
        let payload = try state.decide(.recordStatusUpdate(message: message), at: now, now: now, policy: config.policy)
        guard case .statusUpdateSent(let text) = payload else { preconditionFailure("decide answers a status update with one") }
        if audience == .executive, let phrase = StatusUpdateDraft.promisedFixTime(in: text) {
            throw BroadcastError.promisesFixTime(phrase)
        }
        let receivers = ChannelRoute.receivers(config.routes, severity: state.severity, audience: audience, drill: state.isDrill)
        for name in receivers {
            guard case .webhook(let format, _, _) = config.channel(named: name)?.kind, let limit = format.messageLimit else { continue }
            let bytes = text.utf8.count
            if bytes > limit { throw BroadcastError.tooLong(channel: name, format: format, bytes: bytes, limit: limit) }
        }
        let content = StatusUpdateContent(
            incident: state.id, title: state.title, severity: state.severity, state: state.lifecycle, audience: audience,
            message: text, sentAt: now, nextUpdateBy: StatusUpdateDraft.nextUpdate(state, now: now, policy: config.policy),
            isDrill: state.isDrill)
        return StatusUpdatePlan(
            update: EventDraft(occurredAt: now, recordedAt: now, actor: actor, payload: payload),
            deliveries: receivers.map { ($0, content) })
    }

    /// Why no channel receives an update like this one, for the sender to read; `nil` when some channel does.
    public static func noReceiverReason(config: WarroomConfig, state: IncidentState, audience: Audience) -> String? {
        guard ChannelRoute.receivers(config.routes, severity: state.severity, audience: audience, drill: state.isDrill).isEmpty else {
            return nil
        }
        if config.channels.isEmpty {
            return "no channels are configured (add channels to \(WarroomConfig.fileName)); the update is recorded on the timeline only"
        }
        if state.isDrill {
            return "drills broadcast only to drill sinks (channels with drill: true), and none receives this update; it is recorded only"
        }
        return "no channel receives \(audience.rawValue) updates at \(state.severity.rawValue); the update is recorded on the timeline only"
    }
}
