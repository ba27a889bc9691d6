import Foundation
import IncidentCore

/// The `delivery` object of an exported delivery entry. It names the channel; addresses and tokens are never stored.
struct DeliveryJSON: Encodable {
    var outcome: String
    var update: EventID
    var channel: String?
    var channels: [String]?
    var attempt: Int?
    var problem: String?
    var detail: String?
    var retryInSeconds: Int?

    enum CodingKeys: String, CodingKey {
        case outcome, update, channel, channels, attempt, problem, detail, retryInSeconds = "retry_in_seconds"
    }

    init(_ event: DeliveryEvent) {
        outcome = event.outcome
        update = event.update
        switch event {
        case .queued(_, let names):
            channels = names
        case .delivered(_, let name, let attempt, let detail):
            channel = name
            self.attempt = attempt
            self.detail = detail
        case .failed(_, let name, let attempt, let problem, let retryIn):
            channel = name
            self.attempt = attempt
            self.problem = problem
            retryInSeconds = retryIn
        case .abandoned(_, let name, let attempt, let problem):
            channel = name
            self.attempt = attempt
            self.problem = problem
        case .requeued(_, let name):
            channel = name
        }
    }
}

/// `warroom status --json`'s `broadcast` object: how many updates went out, and where the latest one got to.
struct BroadcastStatusJSON: Encodable {
    var updatesSent: Int
    var lastUpdate: EventID?
    var lastUpdateAt: String?
    /// Channel name → queued, delivered, retrying or abandoned.
    var deliveries: [String: String]

    enum CodingKeys: String, CodingKey {
        case updatesSent = "updates_sent", lastUpdate = "last_update", lastUpdateAt = "last_update_at", deliveries
    }

    init(_ state: IncidentState) {
        updatesSent = state.broadcast.updates.count
        let last = state.broadcast.lastUpdate
        lastUpdate = last?.id
        lastUpdateAt = last?.sentAt.formatted(EventJSON.iso)
        var deliveries: [String: String] = [:]
        for (channel, delivery) in last?.channels ?? [] {
            switch delivery {
            case .queued: deliveries[channel] = "queued"
            case .delivered: deliveries[channel] = "delivered"
            case .retrying: deliveries[channel] = "retrying"
            case .abandoned: deliveries[channel] = "abandoned"
            }
        }
        self.deliveries = deliveries
    }
}
