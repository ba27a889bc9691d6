import Foundation

/// Who a status update is written for: responders get conditions and actions, executives and customers
/// get status, impact and the next update, never a promised fix time.
public enum Audience: String, CaseIterable, Sendable, Codable, Hashable {
    case tactical
    case executive

    /// Parses `tactical` or `executive`, case-insensitively.
    public init?(parsing text: String) {
        self.init(rawValue: text.trimmingCharacters(in: .whitespaces).lowercased())
    }

    /// The accepted spellings, for error messages.
    public static let spellings = allCases.map(\.rawValue).joined(separator: ", ")
}

/// What became of a status update on its way to one channel: the outbox's timeline entries.
/// Channels are named, never addressed: URLs and tokens stay in the configuration.
public enum DeliveryEvent: Sendable, Equatable {
    /// The update went into the outbox for these channels, in the same transaction as the update itself.
    case queued(update: EventID, channels: [String])
    /// The channel accepted the update on attempt `attempt`.
    case delivered(update: EventID, channel: String, attempt: Int, detail: String?)
    /// An attempt failed; the next one follows in `retryIn` seconds.
    case failed(update: EventID, channel: String, attempt: Int, problem: String, retryIn: Int)
    /// No more attempts: the channel refused the update, was removed, or stayed down for every attempt.
    case abandoned(update: EventID, channel: String, attempt: Int, problem: String)
    /// Someone put an abandoned delivery back into the outbox.
    case requeued(update: EventID, channel: String)

    /// The status update this entry is about.
    public var update: EventID {
        switch self {
        case .queued(let u, _), .delivered(let u, _, _, _), .failed(let u, _, _, _, _), .abandoned(let u, _, _, _),
            .requeued(let u, _):
            u
        }
    }

    /// The outcome word stored in the `value` column and shown in exports.
    public var outcome: String {
        switch self {
        case .queued: "queued"
        case .delivered: "delivered"
        case .failed: "failed"
        case .abandoned: "abandoned"
        case .requeued: "requeued"
        }
    }

    /// One timeline line: `update #12 sent to ops-war-room`, `ops-war-room: webhook 503, retry in 20s (update #12, attempt 1)`.
    public var summary: String { summary(of: "update") }

    /// The timeline line when the delivered entry is something other than a status update: `page #14 sent to pager`.
    public func summary(of subject: String) -> String {
        let update = subject
        switch self {
        case .queued(let id, let channels):
            return "\(update) #\(id) queued for \(channels.joined(separator: ", "))"
        case .delivered(let id, let channel, let attempt, let detail):
            var s = "\(update) #\(id) sent to \(channel)"
            if attempt > 1 { s += " (attempt \(attempt))" }
            if let detail, !detail.isEmpty { s += ": \(detail)" }
            return s
        case .failed(let id, let channel, let attempt, let problem, let retryIn):
            return "\(channel): \(problem), retry in \(DurationText.short(TimeInterval(retryIn))) (\(update) #\(id), attempt \(attempt))"
        case .abandoned(let id, let channel, let attempt, let problem):
            return "gave up on \(channel): \(problem) (\(update) #\(id), \(attempt) attempt\(attempt == 1 ? "" : "s"))"
        case .requeued(let id, let channel):
            return "\(update) #\(id) requeued for \(channel)"
        }
    }

    // MARK: Columns

    /// `kind` delivery; `value` the outcome; `ref` the update; `text` the channel (channels, one per line, when queued);
    /// `reason` the problem or detail; `extra` the attempt and retry delay.
    var columns: EventColumns {
        let kind = EventKind.delivery.rawValue
        switch self {
        case .queued(let update, let channels):
            return EventColumns(kind: kind, text: channels.joined(separator: "\n"), value: outcome, ref: update)
        case .delivered(let update, let channel, let attempt, let detail):
            return EventColumns(kind: kind, text: channel, value: outcome, reason: detail, ref: update,
                                extra: Self.extra(["attempt": "\(attempt)"]))
        case .failed(let update, let channel, let attempt, let problem, let retryIn):
            return EventColumns(kind: kind, text: channel, value: outcome, reason: problem, ref: update,
                                extra: Self.extra(["attempt": "\(attempt)", "retry_in": "\(retryIn)"]))
        case .abandoned(let update, let channel, let attempt, let problem):
            return EventColumns(kind: kind, text: channel, value: outcome, reason: problem, ref: update,
                                extra: Self.extra(["attempt": "\(attempt)"]))
        case .requeued(let update, let channel):
            return EventColumns(kind: kind, text: channel, value: outcome, ref: update)
        }
    }

    init(columns c: EventColumns) throws(EventDecodingError) {
        func fail(_ problem: String) -> EventDecodingError { EventDecodingError(kind: c.kind, problem: problem) }
        guard let update = c.ref else { throw fail("no status update") }
        guard let text = c.text, !text.isEmpty else { throw fail("no channel") }
        var fields: [String: String] = [:]
        if let json = c.extra {
            guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: String] else {
                throw fail("bad extra fields")
            }
            fields = object
        }
        func number(_ key: String) throws(EventDecodingError) -> Int {
            guard let n = fields[key].flatMap(Int.init) else { throw fail("no \(key)") }
            return n
        }
        switch c.value {
        case "queued":
            self = .queued(update: update, channels: text.split(separator: "\n").map(String.init))
        case "delivered":
            self = .delivered(update: update, channel: text, attempt: try number("attempt"), detail: c.reason)
        case "failed":
            guard let problem = c.reason else { throw fail("no problem") }
            self = .failed(update: update, channel: text, attempt: try number("attempt"), problem: problem,
                           retryIn: try number("retry_in"))
        case "abandoned":
            guard let problem = c.reason else { throw fail("no problem") }
            self = .abandoned(update: update, channel: text, attempt: try number("attempt"), problem: problem)
        case "requeued":
            self = .requeued(update: update, channel: text)
        default:
            throw fail("unknown outcome \(c.value ?? "none")")
        }
    }

    private static func extra(_ fields: [String: String]) -> String? {
        guard let data = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}

// MARK: - State

/// Where one channel's copy of a status update stands, as the timeline tells it.
public enum ChannelDeliveryState: Sendable, Equatable {
    case queued
    case delivered(at: Date)
    case retrying(problem: String, attempt: Int, nextAt: Date)
    case abandoned(problem: String)
}

/// A status update that went out, and what the channels made of it.
public struct SentUpdate: Sendable, Equatable {
    public var id: EventID
    public var sentAt: Date
    public var message: String
    /// The severity when it was sent: its cadence counts from here.
    public var severity: Severity
    /// What the due time counted from: the previous update, or the declaration.
    public var previousAnchor: Date
    /// A severity change since that anchor made this update due at once.
    public var severityChangedAt: Date?
    /// Per channel, in the order they were queued.
    public var channels: [(name: String, state: ChannelDeliveryState)] {
        channelOrder.map { ($0, channelStates[$0]!) }
    }

    var channelOrder: [String] = []
    var channelStates: [String: ChannelDeliveryState] = [:]

    /// When this update was due; the same rule as `nextStatusUpdateDue`.
    public func dueAt(policy: Policy = .standard) -> Date {
        IncidentState.statusUpdateDue(after: previousAnchor, severity: severity, severityChangedAt: severityChangedAt, policy: policy)
    }

    /// Seconds past due when it went out; 0 when on time.
    public func lateness(policy: Policy = .standard) -> TimeInterval {
        max(0, sentAt.timeIntervalSince(dueAt(policy: policy)))
    }
}

/// The broadcast facts of an incident: every update sent with its deliveries, and what a draft says is being done.
public struct BroadcastState: Sendable, Equatable {
    /// Status updates in log order.
    public private(set) var updates: [SentUpdate] = []
    /// The latest decision, by when it happened: "what we are doing now" in a tactical draft.
    public private(set) var latestDecision: Decision?

    /// A decision's text as last corrected.
    public struct Decision: Sendable, Equatable {
        public var id: EventID
        public var at: Date
        public var text: String
    }

    public init() {}

    /// Folds one event. `anchor`, `severity` and `severityChangedAt` are the incident's values before the event.
    mutating func apply(_ event: Event, anchor: Date, severity: Severity, severityChangedAt: Date?) {
        switch event.payload {
        case .statusUpdateSent(let message):
            let changed = severityChangedAt.flatMap { $0 > anchor ? $0 : nil }
            updates.append(SentUpdate(id: event.id, sentAt: event.occurredAt, message: message, severity: severity,
                                      previousAnchor: anchor, severityChangedAt: changed))
        case .decision(let text):
            if latestDecision.map({ $0.at <= event.occurredAt }) ?? true {
                latestDecision = Decision(id: event.id, at: event.occurredAt, text: text)
            }
        case .correction(let target, let text):
            if latestDecision?.id == target { latestDecision?.text = text }
        case .delivery(let delivery):
            guard let index = updates.lastIndex(where: { $0.id == delivery.update }) else { return }
            updates[index].record(delivery, at: event.occurredAt)
        default:
            break
        }
    }

    /// The latest update, if any went out.
    public var lastUpdate: SentUpdate? { updates.last }
}

extension SentUpdate {
    mutating func record(_ delivery: DeliveryEvent, at time: Date) {
        switch delivery {
        case .queued(_, let channels):
            for channel in channels { set(channel, .queued) }
        case .delivered(_, let channel, _, _):
            set(channel, .delivered(at: time))
        case .failed(_, let channel, let attempt, let problem, let retryIn):
            set(channel, .retrying(problem: problem, attempt: attempt, nextAt: time.addingTimeInterval(TimeInterval(retryIn))))
        case .abandoned(_, let channel, _, let problem):
            set(channel, .abandoned(problem: problem))
        case .requeued(_, let channel):
            set(channel, .queued)
        }
    }

    private mutating func set(_ channel: String, _ state: ChannelDeliveryState) {
        if channelStates[channel] == nil { channelOrder.append(channel) }
        // A late failure must not undo a recorded delivery (two workers after a lease ran out).
        if case .delivered = channelStates[channel] { return }
        channelStates[channel] = state
    }
}
