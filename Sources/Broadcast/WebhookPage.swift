import Foundation
import IncidentCore

/// Why a page through a webhook channel was refused. Nothing is recorded when one of these is thrown.
public enum WebhookPageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The contact's `webhook:` names a channel `warroom.yaml` does not configure.
    case unknownChannel(name: String, channel: String, known: [String])
    /// The channel's service refuses messages this long.
    case tooLong(channel: String, format: WebhookFormat, bytes: Int, limit: Int)

    public var description: String {
        switch self {
        case .unknownChannel(let name, let channel, let known):
            return "\(name)'s webhook is channel \"\(channel)\", which \(WarroomConfig.fileName) does not configure"
                + (known.isEmpty ? " (it has no channels)" : " (channels: \(known.joined(separator: ", ")))")
                + "; add it there, or page by phone or chat"
        case .tooLong(let channel, let format, let bytes, let limit):
            return "the page is \(bytes) bytes, and channel \(channel) (\(format.rawValue)) takes at most \(limit)"
        }
    }
}

/// Pages through a contact's webhook channel: the page and its outbox delivery are written in one transaction,
/// so the timeline never claims a page the outbox will not send, nor the outbox send one the timeline lacks.
public enum WebhookPager {
    /// Proposes the page against the incident as the store has it, then records it with its delivery.
    /// `now` is the incident clock (the page's time); `scheduleNow` is the real clock the outbox schedules by.
    /// `proposed` receives the proposal that was recorded, for printing how the page went out.
    public static func send(
        _ target: String, to incident: IncidentID, contacts: ContactBook, store: any OutboxStore, config: WarroomConfig,
        actor: String, occurredAt: Date, now: Date, scheduleNow: Date = Date(), proposed: ((PageProposal) -> Void)? = nil
    ) async throws -> RecordedStatusUpdate {
        try await store.recordStatusUpdate(to: incident, actor: actor, now: scheduleNow) { state in
            let proposal = try state.proposePage(target, via: .webhook, contacts: contacts, now: occurredAt)
            proposed?(proposal)
            return try plan(proposal.order, state: state, config: config, actor: actor, occurredAt: occurredAt, now: now)
        }
    }

    /// Records an order already shown and confirmed (the console), with its delivery.
    public static func send(
        _ order: PageOrder, to incident: IncidentID, store: any OutboxStore, config: WarroomConfig, actor: String,
        occurredAt: Date, now: Date, scheduleNow: Date = Date()
    ) async throws -> RecordedStatusUpdate {
        try await store.recordStatusUpdate(to: incident, actor: actor, now: scheduleNow) { state in
            try plan(order, state: state, config: config, actor: actor, occurredAt: occurredAt, now: now)
        }
    }

    /// The pure half of `send`: validates the order and the channel, and decides what the channel receives.
    public static func plan(
        _ order: PageOrder, state: IncidentState, config: WarroomConfig, actor: String, occurredAt: Date, now: Date
    ) throws -> StatusUpdatePlan {
        guard order.via == .webhook else { preconditionFailure("WebhookPager records webhook pages only") }
        var channelName = order.address
        guard var channel = config.channel(named: channelName) else {
            throw WebhookPageError.unknownChannel(name: order.name, channel: channelName, known: config.channels.map(\.name))
        }
        // A drill's page reaches no pager: it goes to the drill sink, and the timeline says so.
        if state.isDrill, !channel.isDrillSink {
            channel = ChannelConfig.drillSink
            channelName = channel.name
        }
        let payload = try state.decide(.paging(.page(order)), at: occurredAt, now: now, policy: config.policy)
        guard case .paging(.paged(let decided)) = payload else { preconditionFailure("decide answers a page with one") }
        let message = state.webhookPageMessage(decided)
        if case .webhook(let format, _, _) = channel.kind, let limit = format.messageLimit, message.utf8.count > limit {
            throw WebhookPageError.tooLong(channel: channelName, format: format, bytes: message.utf8.count, limit: limit)
        }
        let content = StatusUpdateContent(
            incident: state.id, title: state.title, severity: state.severity, state: state.lifecycle, audience: .tactical,
            message: message, sentAt: occurredAt, nextUpdateBy: nil, isDrill: state.isDrill)
        return StatusUpdatePlan(
            update: EventDraft(occurredAt: occurredAt, recordedAt: now, actor: actor, payload: payload),
            deliveries: [(channelName, content)])
    }
}
