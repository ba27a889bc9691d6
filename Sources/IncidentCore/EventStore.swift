import Foundation

/// Where a reader following the log with `events(after:limit:)` has got to. Only the store that returned it reads
/// it: SQLite counts event ids; PostgreSQL counts transactions, since its ids do not follow commit order.
public struct LogCursor: Sendable, Equatable, Hashable {
    /// Everything at or below this horizon has been returned (SQLite: an event id; PostgreSQL: a transaction id).
    public var horizon: Int64
    /// Events returned from beyond the horizon, while a long transaction elsewhere held it back.
    public var beyond: Set<EventID>
    /// When the reader first found the horizon held back with newer events waiting (PostgreSQL only).
    public var heldSince: Date?

    public init(horizon: Int64, beyond: Set<EventID> = [], heldSince: Date? = nil) {
        self.horizon = horizon
        self.beyond = beyond
        self.heldSince = heldSince
    }

    /// Before the first event.
    public static let start = LogCursor(horizon: 0)
}

/// One read of the log: the events and the cursor to read on from.
public struct LogPage: Sendable, Equatable {
    public var events: [Event]
    public var cursor: LogCursor
    /// More events were already there than `limit` allowed: read again at once.
    public var hasMore: Bool

    public init(events: [Event], cursor: LogCursor, hasMore: Bool) {
        self.events = events
        self.cursor = cursor
        self.hasMore = hasMore
    }
}

/// The one door to the event log. Every backend (the SQLite file, the PostgreSQL team store) implements it; the
/// core, the CLI and the console only ever see this protocol. Calls that touch the disk or the network are
/// `async`; the decision made inside a transaction (`decide`, `follow`) stays a pure synchronous function.
public protocol EventStore: AnyObject, Sendable {
    /// Appends a declaration as a new incident, then, in the same transaction, the drafts `follow` returns for the
    /// new incident's state (the runbooks it attaches). The store allocates the id (`INC-n`, or `DRILL-n` for
    /// drills: never repeated, never skipped, whoever declares at the same moment) and returns the events,
    /// declaration first, only after they are durably committed.
    func declare(_ draft: EventDraft, then follow: (IncidentState) throws -> [EventDraft]) async throws -> [Event]

    /// Appends to an incident atomically: `decide` receives the incident's state including every event committed
    /// before this transaction (appends to one incident are serialised), and returns the drafts to append.
    /// Returns the stored events after they are durably committed.
    func append(to incident: IncidentID, _ decide: (IncidentState) throws -> [EventDraft]) async throws -> [Event]

    /// Like `append`, for an entry made while the store was out of reach: `clientID` (made by the client when the
    /// entry was typed) is stored with the first event, and an entry whose id the store already holds is not
    /// appended again (returns no events). So a spool replayed twice lands once.
    func append(to incident: IncidentID, clientID: String, _ decide: (IncidentState) throws -> [EventDraft]) async throws
        -> [Event]

    /// One incident's events in log order (ascending id).
    func events(of incident: IncidentID) async throws -> [Event]

    /// The events committed since `cursor`, for a reader following the whole workspace.
    ///
    /// Ordering contract: every event is returned exactly once over a sequence of calls that each pass on the
    /// previous call's cursor, including an event whose transaction committed after a later id became visible;
    /// one incident's events always arrive in ascending id order (appends to an incident are serialised, so id
    /// order is its commit order); across incidents they come in commit order as far as the store can tell.
    /// A transaction left open elsewhere may delay events behind it for a bounded time, never lose them.
    func events(after cursor: LogCursor, limit: Int) async throws -> LogPage

    /// Every incident in the workspace, folded, in declaration order.
    func incidents() async throws -> [IncidentState]

    /// The newest event id in the workspace (0 when empty); it changes whenever anyone appends.
    func lastEventID() async throws -> EventID
}

extension EventStore {
    /// Appends a declaration alone as a new incident and returns it once durably committed.
    public func declare(_ draft: EventDraft) async throws -> Event {
        try await declare(draft, then: { _ in [] })[0]
    }

    /// Every event of the workspace, read page by page from the start.
    public func allEvents(pageSize: Int = 10_000) async throws -> [Event] {
        var all: [Event] = []
        var cursor = LogCursor.start
        while true {
            let page = try await events(after: cursor, limit: pageSize)
            all += page.events
            cursor = page.cursor
            if !page.hasMore { return all }
        }
    }
}

/// What `warroom store status` reports about the store in use.
public struct StoreDescription: Sendable, Equatable {
    /// `SQLite` or `PostgreSQL`.
    public var kind: String
    /// The file, or the server's URL with its password replaced by `***`.
    public var location: String
    /// The database engine's version.
    public var serverVersion: String
    /// The schema version Warroom created or migrated.
    public var schemaVersion: Int
    /// The workspace inside the store (`default` unless named).
    public var workspace: String
    /// One trivial query's round trip.
    public var roundTrip: Duration

    public init(kind: String, location: String, serverVersion: String, schemaVersion: Int, workspace: String,
                roundTrip: Duration) {
        self.kind = kind
        self.location = location
        self.serverVersion = serverVersion
        self.schemaVersion = schemaVersion
        self.workspace = workspace
        self.roundTrip = roundTrip
    }
}

/// The whole store a command or the console works on: the log, the outbox beside it, and what it says about itself.
public protocol WarroomStore: EventStore, OutboxStore {
    /// Which store this is, its versions and a measured round trip.
    func describe() async throws -> StoreDescription

    /// A signal each time another writer may have appended, for a reader to catch up at once; `nil` when the store
    /// cannot push (the SQLite file), so readers poll.
    func changeSignals() -> AsyncStream<Void>?

    /// Closes connections; the store is not used afterwards.
    func close() async
}

/// Failures every store reports the same way.
public enum StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownIncident(IncidentID)
    case notADeclaration
    case damaged(String)
    /// The store cannot be reached now (a team store's server is down or the network is gone); worth retrying.
    case unreachable(String)
    /// The store cannot be used as configured (wrong password, unknown database, schema too new); not worth retrying.
    case unusable(String)
    /// Another process held the store's write lock longer than the writer would wait; nothing was written.
    case busy(String)

    public var description: String {
        switch self {
        case .unknownIncident(let id): "no incident \(id) in this workspace"
        case .notADeclaration: "a new incident must start with a declaration"
        case .damaged(let message): "the store is damaged: \(message)"
        case .unreachable(let message): "the store is unreachable: \(message)"
        case .unusable(let message), .busy(let message): message
        }
    }
}

/// Picks the incident a command means when the user may leave `--incident` out.
public enum IncidentSelection {
    /// Why no single incident could be chosen.
    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        case unknown(String, known: [IncidentID])
        case noneActive
        case several([IncidentID])

        public var description: String {
            switch self {
            case .unknown(let id, let known):
                return "no incident \(id) in this workspace" + (known.isEmpty ? "" : " (known: \(known.joined(separator: ", ")))")
            case .noneActive:
                return "no active incident; declare one with `warroom declare`, or name one with --incident"
            case .several(let ids):
                return "several incidents are active (\(ids.joined(separator: ", "))); choose one with --incident"
            }
        }
    }

    /// Resolves `requested` (`INC-3`, `inc-3` or `3`), or the only active incident when nothing was requested.
    public static func resolve(_ requested: String?, among incidents: [IncidentState]) throws(Failure) -> IncidentState {
        if let requested {
            let wanted = requested.trimmingCharacters(in: .whitespaces).uppercased()
            let match = incidents.first { $0.id.uppercased() == wanted || $0.id.uppercased() == "INC-\(wanted)" }
            guard let match else { throw .unknown(requested, known: incidents.map(\.id)) }
            return match
        }
        let active = incidents.filter(\.isUnderWay)
        switch active.count {
        case 1: return active[0]
        case 0: throw .noneActive
        default: throw .several(active.map(\.id))
        }
    }
}
