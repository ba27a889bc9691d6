import Foundation
import GRDB
import IncidentCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An entry typed while the team store was out of reach: kept on this machine until the store takes it.
public struct SpooledEntry: Sendable, Equatable {
    /// What kind of entry; only these need no shared state to be recorded.
    public enum Kind: String, Sendable, CaseIterable {
        case note, decision, action
    }

    /// Where an entry is on its way to the store.
    public enum Status: String, Sendable {
        /// Not yet taken by the store.
        case waiting
        /// Taken; kept as a record.
        case sent
        /// The store refused it when it was back (its incident closed meanwhile): kept, never dropped.
        case refused
    }

    /// Made on this machine when the entry was typed; the store keeps it, so a replay lands once.
    public var clientID: String
    public var incident: IncidentID
    public var kind: Kind
    public var text: String
    public var occurredAt: Date
    public var recordedAt: Date
    public var actor: String
    public var status: Status
    /// Why the store refused it.
    public var problem: String?

    public init(clientID: String = UUID().uuidString.lowercased(), incident: IncidentID, kind: Kind, text: String,
                occurredAt: Date, recordedAt: Date, actor: String, status: Status = .waiting, problem: String? = nil) {
        self.clientID = clientID
        self.incident = incident
        self.kind = kind
        self.text = text
        self.occurredAt = occurredAt
        self.recordedAt = recordedAt
        self.actor = actor
        self.status = status
        self.problem = problem
    }

    /// The command the entry stands for, validated again when the store takes it.
    public var command: IncidentCommand {
        switch kind {
        case .note: .note(text)
        case .decision: .decision(text)
        case .action: .actionItem(text)
        }
    }

    /// The spoolable kind of a command; `nil` for a change that needs the shared state (severity, state, pages…).
    public static func kind(of command: IncidentCommand) -> (Kind, String)? {
        switch command {
        case .note(let text): (.note, text)
        case .decision(let text): (.decision, text)
        case .actionItem(let text): (.action, text)
        default: nil
        }
    }
}

/// What one `sync` did.
public struct SpoolSyncReport: Sendable, Equatable {
    /// Entries the store took, with the event each became (none when the store already held it).
    public var sent: [(entry: SpooledEntry, event: Event?)]
    /// Entries the store refused, with why.
    public var refused: [SpooledEntry]
    /// Entries still waiting (the store went away again).
    public var waiting: Int

    public static func == (a: SpoolSyncReport, b: SpoolSyncReport) -> Bool {
        a.sent.map(\.entry) == b.sent.map(\.entry) && a.sent.map(\.event) == b.sent.map(\.event) && a.refused == b.refused
            && a.waiting == b.waiting
    }
}

/// The offline spool: notes, decisions and action items typed while the team store is unreachable, in an SQLite
/// file on this machine (never on the workspace's share), fsynced and readable by the owner only. Entries reach the
/// store in the order they were typed, each exactly once, with both their times.
public final class OfflineSpool: @unchecked Sendable {
    // @unchecked: GRDB's queue serialises every access; the rest is immutable.
    /// The store the entries belong to (`StoreLocation.identity`): one spool file serves every store.
    public let store: String
    public let path: String
    private let queue: DatabaseQueue

    /// `$XDG_STATE_HOME/warroom/spool.sqlite`, else `~/.local/state/warroom/spool.sqlite`.
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let base: String
        if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") {
            base = state
        } else {
            let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
            base = home + "/.local/state"
        }
        return base + "/warroom/spool.sqlite"
    }

    /// Opens the spool at `path` for `store`, creating it (folder 0700, file 0600) if needed.
    public init(path: String = OfflineSpool.defaultPath(), store: String) throws {
        self.path = path
        self.store = store
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        _ = chmod(folder.path, 0o700)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        if fd >= 0 {
            _ = fchmod(fd, 0o600)
            close(fd)
        }
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            // An entry acknowledged as spooled must survive a power cut like one in the store.
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        queue = try DatabaseQueue(path: path, configuration: config)
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE spool (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    client_id TEXT NOT NULL UNIQUE,
                    store TEXT NOT NULL,
                    incident TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    text TEXT NOT NULL,
                    occurred_at INTEGER NOT NULL,
                    recorded_at INTEGER NOT NULL,
                    actor TEXT NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('waiting', 'sent', 'refused')),
                    problem TEXT
                );
                CREATE INDEX spool_by_store ON spool (store, status, seq);
                CREATE TABLE known_incidents (
                    store TEXT PRIMARY KEY NOT NULL,
                    active TEXT NOT NULL
                );
                """)
        }
        try migrator.migrate(queue)
    }

    /// Keeps an entry; returns how many of this store's entries now wait.
    @discardableResult
    public func add(_ entry: SpooledEntry) throws -> Int {
        try queue.write { db in
            try db.execute(
                sql: """
                    INSERT INTO spool (client_id, store, incident, kind, text, occurred_at, recorded_at, actor, status)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'waiting')
                    """,
                arguments: [entry.clientID, store, entry.incident, entry.kind.rawValue, entry.text, ms(entry.occurredAt),
                            ms(entry.recordedAt), entry.actor])
            return try Self.count(.waiting, store, db)
        }
    }

    /// This store's entries with `status`, oldest first.
    public func entries(_ status: SpooledEntry.Status) throws -> [SpooledEntry] {
        try queue.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM spool WHERE store = ? AND status = ? ORDER BY seq", arguments: [store, status.rawValue]
            ).map(Self.entry)
        }
    }

    /// How many of this store's entries wait, and how many were refused.
    public func counts() throws -> (waiting: Int, refused: Int) {
        try queue.read { db in (try Self.count(.waiting, store, db), try Self.count(.refused, store, db)) }
    }

    /// Hands the waiting entries to `store` in the order they were typed. Each is validated as when it was typed
    /// (`recordedAt` is its "now"); one the store refuses is kept as refused with the reason. Stops, leaving the
    /// rest waiting, as soon as the store is unreachable again.
    public func sync(into target: any EventStore, policy: Policy) async throws -> SpoolSyncReport {
        var report = SpoolSyncReport(sent: [], refused: [], waiting: 0)
        for entry in try entries(.waiting) {
            do {
                let events = try await target.append(to: entry.incident, clientID: entry.clientID) { state in
                    try state.drafts(for: entry.command, at: entry.occurredAt, now: entry.recordedAt, actor: entry.actor,
                                     policy: policy, runbooks: [])
                }
                try mark(entry, .sent, problem: nil)
                report.sent.append((entry, events.first))
            } catch let error as StoreError {
                if case .unreachable = error { break }
                if case .unusable = error { throw error }
                try refuse(entry, String(describing: error), into: &report)
            } catch {
                try refuse(entry, String(describing: error), into: &report)
            }
        }
        report.waiting = try counts().waiting
        return report
    }

    /// Remembers the store's active incidents, so an entry typed offline without --incident finds its incident.
    public func remember(active: [IncidentID]) throws {
        try queue.write { db in
            try db.execute(
                sql: "INSERT INTO known_incidents (store, active) VALUES (?, ?) ON CONFLICT (store) DO UPDATE SET active = excluded.active",
                arguments: [store, active.joined(separator: "\n")])
        }
    }

    /// The active incidents as the store last reported them.
    public func knownActive() throws -> [IncidentID] {
        try queue.read { db in
            (try String.fetchOne(db, sql: "SELECT active FROM known_incidents WHERE store = ?", arguments: [store]) ?? "")
                .split(separator: "\n").map(String.init)
        }
    }

    private func refuse(_ entry: SpooledEntry, _ problem: String, into report: inout SpoolSyncReport) throws {
        try mark(entry, .refused, problem: problem)
        var refused = entry
        refused.status = .refused
        refused.problem = problem
        report.refused.append(refused)
    }

    private func mark(_ entry: SpooledEntry, _ status: SpooledEntry.Status, problem: String?) throws {
        try queue.write { db in
            try db.execute(
                sql: "UPDATE spool SET status = ?, problem = ? WHERE client_id = ?",
                arguments: [status.rawValue, problem, entry.clientID])
        }
    }

    private static func count(_ status: SpooledEntry.Status, _ store: String, _ db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM spool WHERE store = ? AND status = ?", arguments: [store, status.rawValue]) ?? 0
    }

    private static func entry(_ row: Row) throws -> SpooledEntry {
        guard let kind = SpooledEntry.Kind(rawValue: row["kind"]), let status = SpooledEntry.Status(rawValue: row["status"]) else {
            throw StoreError.damaged("the offline spool has an unreadable entry")
        }
        return SpooledEntry(
            clientID: row["client_id"], incident: row["incident"], kind: kind, text: row["text"],
            occurredAt: date(row["occurred_at"]), recordedAt: date(row["recorded_at"]), actor: row["actor"], status: status,
            problem: row["problem"])
    }
}

/// Spool times are whole milliseconds rounded down, as the stores keep them, so a replayed entry keeps its times.
private func ms(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) }
private func date(_ milliseconds: Int64) -> Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }
