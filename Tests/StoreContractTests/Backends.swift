import Broadcast
import Foundation
import IncidentCore
import StoreKit
import Testing
import WarroomTestSupport

/// The store backends every contract test runs on.
enum Backend: String, Sendable, CaseIterable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { self == .sqlite ? "SQLite file" : "PostgreSQL team store" }

    /// SQLite always; PostgreSQL when a server was started (always in CI, where a missing one fails the run).
    static let tested: [Backend] = [.sqlite] + (TeamStoreServer.isTested ? [.postgres] : [])
}

/// 2026-11-23T14:00:00.123Z: whole milliseconds, as the stores keep them.
let base = Date(timeIntervalSince1970: 1_795_442_400.123)

func minute(_ m: Double) -> Date { base.addingTimeInterval(m * 60) }

/// One test's store: a fresh SQLite workspace, or a fresh workspace of the shared team store.
final class StoreFixture: @unchecked Sendable {
    // @unchecked: set up once in `init`, read-only afterwards.
    let backend: Backend
    /// A scratch folder: the SQLite workspace, and where file channels write.
    let directory: URL
    let location: StoreLocation
    /// The store the test works on; `open()` gives further instances on the same data.
    let store: any WarroomStore

    init(_ backend: Backend) async throws {
        self.backend = backend
        directory = try makeTemporaryDirectory("warroom-contract")
        switch backend {
        case .sqlite:
            location = StoreLocation(backend: .file(workspace: directory))
        case .postgres:
            location = try StoreLocation.resolve(
                url: try TeamStoreServer.requireURL(), workspace: TeamStoreServer.freshWorkspace(), configuredURL: nil,
                configuredWorkspace: nil, listenURL: nil, directory: directory)
            try await SchemaOnce.shared.ensure(location)
        }
        store = try await location.open(create: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
        // A team store's connection is closed once the test is done with it, so a run of many tests stays within
        // the server's connection limit.
        let store = store
        Task { await store.close() }
    }

    /// Another instance on the same data, as a second process or machine, or a reopen, would have.
    func open() async throws -> any WarroomStore {
        try await location.open(create: true)
    }

    /// Declares an incident at `base` and returns its id.
    @discardableResult
    func declare(_ title: String = "Checkout errors in eu-west", severity: Severity = .l2, impact: String? = "30% of payments fail",
                 drill: Bool = false, at date: Date = base) async throws -> IncidentID {
        let event = try await store.declare(EventDraft(
            occurredAt: date, recordedAt: date, actor: "alice",
            payload: .declared(Declaration(title: title, severity: severity, impact: impact, isDrill: drill))))
        return event.incident
    }

    func state(_ incident: IncidentID = "INC-1") async throws -> IncidentState {
        try #require(try await store.incidents().first { $0.id == incident })
    }

    /// The incident's delivery entries, in log order.
    func deliveryEvents(_ incident: IncidentID = "INC-1") async throws -> [DeliveryEvent] {
        try await store.events(of: incident).compactMap { if case .delivery(let d) = $0.payload { d } else { nil } }
    }

    /// The timeline's text, every entry's summary, one a line.
    func timelineText(_ incident: IncidentID = "INC-1") async throws -> String {
        try await store.events(of: incident).map(\.payload.summary).joined(separator: "\n")
    }

    /// Sends an update through the real broadcaster.
    @discardableResult
    func send(_ message: String, audience: Audience = .tactical, config: WarroomConfig, scheduleNow: Date,
              incident: IncidentID = "INC-1", at date: Date = minute(5)) async throws -> RecordedStatusUpdate {
        try await StatusBroadcaster.send(message, audience: audience, to: incident, store: store, config: config, actor: "carol",
                                         now: date, scheduleNow: scheduleNow)
    }
}

/// Creates the team store's schema once per test run.
actor SchemaOnce {
    static let shared = SchemaOnce()
    private var done = false

    func ensure(_ location: StoreLocation) async throws {
        guard !done else { return }
        _ = try await location.initialize()
        done = true
    }
}

func draft(_ payload: EventPayload, at date: Date = base, recorded: Date? = nil, by actor: String = "alice") -> EventDraft {
    EventDraft(occurredAt: date, recordedAt: recorded ?? date, actor: actor, payload: payload)
}

func declaration(_ title: String = "checkout down", _ severity: Severity = .l2, drill: Bool = false) -> EventDraft {
    draft(.declared(Declaration(title: title, severity: severity, impact: "EU users", isDrill: drill)))
}

/// A decide function that runs the core rules, as the CLI and console do.
func command(_ command: IncidentCommand, at date: Date, by actor: String = "alice") -> (IncidentState) throws -> [EventDraft] {
    { state in [draft(try state.decide(command, at: date, now: date), at: date, by: actor)] }
}

/// A configuration with `channels`, parsed from YAML so the tests go through the real parser.
func config(_ yaml: String) throws -> WarroomConfig {
    try WarroomConfig.parse(yaml, path: "warroom.yaml")
}

/// Follows the log from `cursor` the way the console does, until `count` events have come or 5 seconds pass: the
/// contract lets a transaction left open elsewhere on the server (another test's) hold newer events back a while.
func follow(_ store: any WarroomStore, from cursor: LogCursor = .start, pageSize: Int, until count: Int) async throws
    -> (events: [Event], cursor: LogCursor)
{
    var seen: [Event] = []
    var cursor = cursor
    let deadline = ContinuousClock.now + .seconds(5)
    while seen.count < count, ContinuousClock.now < deadline {
        let page = try await store.events(after: cursor, limit: pageSize)
        #expect(page.events.count <= pageSize)
        seen += page.events
        cursor = page.cursor
        if !page.hasMore, seen.count < count { try await Task.sleep(for: .milliseconds(50)) }
    }
    return (seen, cursor)
}
