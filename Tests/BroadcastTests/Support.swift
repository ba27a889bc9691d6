import Broadcast
import Foundation
import IncidentCore
import IncidentStore
import Testing
import WarroomTestSupport

// Incident times are fixed instants; the outbox's scheduling clock is a ManualClock the tests move by hand,
// so no test sleeps waiting for a backoff. Only real network timeouts take real (sub-second) time.

/// 2026-11-23T14:00:00Z: when every test incident is declared.
let base = Date(timeIntervalSince1970: 1_795_442_400)

func minute(_ m: Double) -> Date { base.addingTimeInterval(m * 60) }

let utc = TimeZone(identifier: "UTC")!

/// A clock a test sets and advances; the worker's scheduling reads it.
final class ManualClock: @unchecked Sendable {
    // @unchecked: every access goes through `lock`.
    private let lock = NSLock()
    private var current: Date

    init(_ start: Date = Date(timeIntervalSince1970: 1_900_000_000)) { current = start }

    var now: Date { lock.withLock { current } }

    func advance(by seconds: TimeInterval) { lock.withLock { current = current.addingTimeInterval(seconds) } }

    var reader: @Sendable () -> Date { { self.now } }
}

/// A workspace with a store, removed when the test ends.
final class TestWorkspace {
    let url: URL
    let store: SQLiteEventStore

    init() throws {
        url = try makeTemporaryDirectory("warroom-broadcast")
        store = try SQLiteEventStore.open(workspace: url)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// Declares an incident at `base` and returns its id.
    @discardableResult
    func declare(_ title: String = "Checkout errors in eu-west", severity: Severity = .l2, impact: String? = "30% of payments fail",
                 drill: Bool = false, at date: Date = base) throws -> IncidentID {
        let event = try store.declare(EventDraft(
            occurredAt: date, recordedAt: date, actor: "alice",
            payload: .declared(Declaration(title: title, severity: severity, impact: impact, isDrill: drill))))
        return event.incident
    }

    func state(_ incident: IncidentID = "INC-1") throws -> IncidentState {
        try #require(try store.incidents().first { $0.id == incident })
    }

    /// The incident's delivery entries, in log order.
    func deliveryEvents(_ incident: IncidentID = "INC-1") throws -> [DeliveryEvent] {
        try store.events(of: incident).compactMap { if case .delivery(let d) = $0.payload { d } else { nil } }
    }

    /// The timeline's text, every entry's summary, one a line.
    func timelineText(_ incident: IncidentID = "INC-1") throws -> String {
        try store.events(of: incident).map(\.payload.summary).joined(separator: "\n")
    }

    /// Sends an update through the real broadcaster.
    @discardableResult
    func send(_ message: String, audience: Audience = .tactical, config: WarroomConfig, clock: ManualClock,
              incident: IncidentID = "INC-1", at date: Date = minute(5)) async throws -> RecordedStatusUpdate {
        try await StatusBroadcaster.send(message, audience: audience, to: incident, store: store, config: config, actor: "carol",
                                   now: date, scheduleNow: clock.now)
    }
}

/// A configuration with `channels`, parsed from YAML so the tests go through the real parser.
func config(_ yaml: String) throws -> WarroomConfig {
    do {
        return try WarroomConfig.parse(yaml, path: "warroom.yaml")
    } catch {
        throw Failure("config did not parse: \(error)")
    }
}

/// A worker on a manual clock; delivery entries are stamped at `minute(6)`.
func worker(_ ws: TestWorkspace, _ config: WarroomConfig, clock: ManualClock, sender: ChannelSender,
            owner: String? = nil) -> OutboxWorker {
    OutboxWorker(store: ws.store, config: config, sender: sender, owner: owner ?? OutboxWorker.makeOwner(),
                 clock: clock.reader, eventTime: { minute(6) })
}

struct Failure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// Runs `body` with a sender, shutting its HTTP client down afterwards whatever happens.
func withSender<T>(_ ws: TestWorkspace, environment: [String: String] = ProcessInfo.processInfo.environment,
                   _ body: (ChannelSender) async throws -> T) async throws -> T {
    let sender = ChannelSender(workspace: ws.url, environment: environment)
    do {
        let result = try await body(sender)
        await sender.shutdown()
        return result
    } catch {
        await sender.shutdown()
        throw error
    }
}
