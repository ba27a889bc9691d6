import Foundation

/// Which updates a configured channel receives. Only the name ever reaches the timeline.
public struct ChannelRoute: Sendable, Equatable {
    public var name: String
    public var severities: Set<Severity>
    public var audiences: Set<Audience>
    /// A drill sink: drills broadcast only to these, real incidents never do.
    public var isDrillSink: Bool

    public init(name: String, severities: Set<Severity> = Set(Severity.allCases),
                audiences: Set<Audience> = [.tactical], isDrillSink: Bool = false) {
        self.name = name
        self.severities = severities
        self.audiences = audiences
        self.isDrillSink = isDrillSink
    }

    /// Whether an update for `audience` about an incident at `severity` goes to this channel.
    public func receives(severity: Severity, audience: Audience, drill: Bool) -> Bool {
        isDrillSink == drill && severities.contains(severity) && audiences.contains(audience)
    }

    /// The names of the channels that receive such an update, in configuration order.
    public static func receivers(_ routes: [ChannelRoute], severity: Severity, audience: Audience, drill: Bool) -> [String] {
        routes.filter { $0.receives(severity: severity, audience: audience, drill: drill) }.map(\.name)
    }
}

/// What goes out to a channel, fixed when the update is sent so every retry carries the same bytes.
public struct StatusUpdateContent: Sendable, Equatable, Codable {
    public var incident: IncidentID
    public var title: String
    public var severity: Severity
    public var state: LifecycleState
    public var audience: Audience
    public var message: String
    public var sentAt: Date
    /// When the next update is due; `nil` for a final update.
    public var nextUpdateBy: Date?
    public var isDrill: Bool

    public init(incident: IncidentID, title: String, severity: Severity, state: LifecycleState, audience: Audience,
                message: String, sentAt: Date, nextUpdateBy: Date?, isDrill: Bool) {
        self.incident = incident
        self.title = title
        self.severity = severity
        self.state = state
        self.audience = audience
        self.message = message
        self.sentAt = sentAt
        self.nextUpdateBy = nextUpdateBy
        self.isDrill = isDrill
    }

    enum CodingKeys: String, CodingKey {
        case incident, title, severity, state, audience, message, sentAt = "sent_at", nextUpdateBy = "next_update_by",
            isDrill = "drill"
    }
}

/// Whether a delivery still has work to do.
public enum DeliveryStatus: String, Sendable, Equatable, Codable {
    case pending
    case delivered
    case abandoned
}

/// One channel's copy of one status update in the outbox.
public struct Delivery: Sendable, Equatable, Identifiable {
    public var id: Int64
    public var incident: IncidentID
    /// The `.statusUpdateSent` event.
    public var update: EventID
    public var channel: String
    /// Sent with every attempt (header and/or field), so a receiver recognises a retry.
    public var idempotencyKey: String
    public var content: StatusUpdateContent
    public var status: DeliveryStatus
    /// Attempts finished so far.
    public var attempts: Int
    public var nextAttemptAt: Date
    /// The last attempt's problem, redacted.
    public var lastProblem: String?
    public var finishedAt: Date?

    public init(id: Int64, incident: IncidentID, update: EventID, channel: String, idempotencyKey: String,
                content: StatusUpdateContent, status: DeliveryStatus, attempts: Int, nextAttemptAt: Date,
                lastProblem: String?, finishedAt: Date?) {
        self.id = id
        self.incident = incident
        self.update = update
        self.channel = channel
        self.idempotencyKey = idempotencyKey
        self.content = content
        self.status = status
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastProblem = lastProblem
        self.finishedAt = finishedAt
    }
}

/// A status update and where it must go, decided against the incident inside the store's transaction.
public struct StatusUpdatePlan: Sendable {
    /// The `.statusUpdateSent` event.
    public var update: EventDraft
    /// One delivery per channel, each with the content it will carry.
    public var deliveries: [(channel: String, content: StatusUpdateContent)]

    public init(update: EventDraft, deliveries: [(channel: String, content: StatusUpdateContent)]) {
        self.update = update
        self.deliveries = deliveries
    }
}

/// What `recordStatusUpdate` committed.
public struct RecordedStatusUpdate: Sendable {
    /// The update, then the `queued` entry when any channel receives it.
    public var events: [Event]
    public var deliveries: [Delivery]

    public init(events: [Event], deliveries: [Delivery]) {
        self.events = events
        self.deliveries = deliveries
    }

    public var update: Event { events[0] }
}

/// How an attempt ended, as the outbox records it.
public enum AttemptResult: Sendable, Equatable {
    case delivered(detail: String?)
    case retry(problem: String, at: Date)
    case abandon(problem: String)
}

/// The durable outbox beside the event log. A status update and its deliveries are written in one
/// transaction; workers claim deliveries with a lease so two processes, on one machine or several, never work the
/// same one at once. Delivery is at-least-once: a worker that dies mid-attempt is taken over with the same key.
public protocol OutboxStore: AnyObject, Sendable {
    /// In one transaction: `plan` receives the incident's current state and returns the update and its deliveries;
    /// the update is appended, a delivery row per channel written, and a `queued` entry appended. Nothing is
    /// written if `plan` throws or returns a plan `StatusUpdatePlan.validate` refuses. `actor` records the `queued`
    /// entry; `now` is when the deliveries become due.
    func recordStatusUpdate(
        to incident: IncidentID, actor: String, now: Date, _ plan: (IncidentState) throws -> StatusUpdatePlan
    ) async throws -> RecordedStatusUpdate

    /// Leases the oldest pending delivery of every channel in `channels` and not in `busy`, if it is due at `now`
    /// and not leased by a live worker, until `leaseUntil`. Older deliveries of a channel go first: a channel's
    /// updates arrive in order. A channel outside `channels` (this worker has no configuration, or no secret, for
    /// it) is left for a worker that has one. `ownerIsGone` tells whether another lease holder has died, so its
    /// leases need not run out first.
    func claimDue(
        now: Date, owner: String, leaseUntil: Date, channels: Set<String>, busy: Set<String>,
        ownerIsGone: (String) -> Bool
    ) async throws -> [Delivery]

    /// Records an attempt's result (at `now`) and its timeline entry in one transaction, if `owner` still holds the
    /// lease (else returns `nil` and records nothing: another worker took it over).
    func finishAttempt(_ delivery: Delivery, owner: String, now: Date, result: AttemptResult, entry: EventDraft) async throws
        -> Event?

    /// Gives up a lease without an attempt (the worker is stopping).
    func releaseLease(_ delivery: Delivery, owner: String) async throws

    /// Puts abandoned deliveries (all, or those with `ids`, or of `incident`) back as pending and due at `now`,
    /// with a `requeued` entry each at `entryTime`; returns them.
    func requeue(ids: [Int64]?, incident: IncidentID?, actor: String, now: Date, at entryTime: Date) async throws
        -> [Delivery]

    /// Deliveries, oldest first; of one incident when given, of some statuses when given.
    func deliveries(incident: IncidentID?, statuses: Set<DeliveryStatus>?) async throws -> [Delivery]

    /// The earliest time a pending delivery becomes due, for a worker deciding how long to sleep.
    func nextDueTime() async throws -> Date?

    /// Records that the worker `owner` is alive at `now` and can send to `channels`.
    func workerSeen(owner: String, channels: Set<String>, at now: Date) async throws

    /// Channels with pending deliveries that no worker seen since `since` can send, with how many wait for each.
    func unservedChannels(seenSince since: Date) async throws -> [String: Int]
}

extension StatusUpdatePlan {
    /// The outbox carries two kinds of message: a status update, or a page sent through a webhook channel.
    /// Every store refuses any other first event for a plan, before writing anything.
    public func validate() throws {
        switch update.payload {
        case .statusUpdateSent: return
        case .paging(.paged(let order)) where order.via == .webhook: return
        default: throw StoreError.damaged("a status update plan must start with the update or a webhook page")
        }
    }
}

extension StatusUpdateContent {
    /// The outbox row's text: sorted-key JSON with times as whole milliseconds. Every store writes exactly these
    /// bytes, so a migrated outbox row reads back identically.
    public func storedText() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Int64((date.timeIntervalSince1970 * 1000).rounded()))
        }
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// Reads what `storedText` wrote.
    public init(storedText text: String) throws {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            Date(timeIntervalSince1970: Double(try decoder.singleValueContainer().decode(Int64.self)) / 1000)
        }
        self = try decoder.decode(StatusUpdateContent.self, from: Data(text.utf8))
    }
}
