import Foundation
import GRDB
import GRDBSQLite
import IncidentCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The workspace's event log in one SQLite file (WAL, synchronous FULL), safe for several processes at once.
///
/// Its calls are synchronous (GRDB blocks on the file); they satisfy `WarroomStore`'s async requirements as they are.
public final class SQLiteEventStore: WarroomStore {
    /// The database file.
    public let path: String

    private let pool: DatabasePool
    /// Each incident folded up to its `lastEventID`, so an append folds only what other writers added since.
    private let cache = Locked<[IncidentID: IncidentState]>([:])

    /// Where a workspace keeps its store.
    public static func databaseURL(workspace: URL) -> URL {
        workspace.appendingPathComponent(".warroom", isDirectory: true).appendingPathComponent("warroom.sqlite")
    }

    /// Opens (creating if needed) the store of a workspace, in `workspace/.warroom/warroom.sqlite`.
    public static func open(workspace: URL, lockTimeout: Duration = .seconds(30), onLockWait: (@Sendable () -> Void)? = nil)
        throws -> SQLiteEventStore
    {
        let url = databaseURL(workspace: workspace)
        if case .network(let kind) = FileSystemKind.of(workspace.path) {
            throw StoreError.unusable(
                "\(workspace.path) is on a network share (\(kind)): the SQLite store needs a local disk, because its "
                    + "write-ahead log shares memory between the processes of one host. Keep the workspace on a local disk, "
                    + "or give the team a shared store: --store postgres://… (see `warroom store --help`)")
        }
        let directory = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(
            at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        // createDirectory's mode goes through the umask, and the folder may predate us: set it outright.
        _ = chmod(directory.path, 0o700)
        return try SQLiteEventStore(path: url.path, lockTimeout: lockTimeout, onLockWait: onLockWait)
    }

    /// Opens (creating if needed) a store at `path`, readable by the owner only.
    ///
    /// Readers never wait: opening, and every read, works while another process holds the write lock (WAL).
    /// A writer waits for the lock at most `lockTimeout`; `onLockWait` is told once it has waited two seconds,
    /// so a person knows why a command hangs.
    public init(path: String, lockTimeout: Duration = .seconds(30), onLockWait: (@Sendable () -> Void)? = nil) throws {
        self.path = path
        createPrivately(path)

        var config = Configuration()
        config.label = "warroom"
        // Other processes (a scribe's terminal, a script) hold the write lock for milliseconds at a time.
        config.busyMode = .callback(Self.busyHandler(lockTimeout: lockTimeout, onLockWait: onLockWait))
        config.prepareDatabase { db in
            // Every acknowledged entry must survive power loss, not only a crash of this process.
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // The -wal file outlives the last connection: without it, opening the store would have to write (GRDB
            // makes one) and so wait for another process's write lock, and a reader must never wait for a writer.
            var persist: CInt = 1
            let code = withUnsafeMutablePointer(to: &persist) {
                sqlite3_file_control(db.sqliteConnection, nil, SQLITE_FCNTL_PERSIST_WAL, $0)
            }
            guard code == SQLITE_OK else { throw DatabaseError(resultCode: ResultCode(rawValue: code)) }
        }
        pool = try Self.guarded(path) { try Self.retryingBusy { try DatabasePool(path: path, configuration: config) } }
        // DatabasePool sets NORMAL on its writer after `prepareDatabase` (it only syncs the WAL at checkpoints),
        // so FULL has to be set again on the writer, the one connection that commits.
        try Self.guarded(path) { try pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA synchronous = FULL") } }
        // A store already at this build's schema is not migrated: a migration takes the write lock, and a reader
        // must not wait for another process's writes.
        if try !Self.guarded(path, { try pool.read { try Self.migrator.hasCompletedMigrations($0) } }) {
            try Self.guarded(path) { try Self.migrate(pool) }
        }
        // SQLite gives -wal and -shm the database file's mode; tighten any left by an older, laxer writer.
        for suffix in ["", "-wal", "-shm"] { Self.makePrivate(path + suffix) }
    }

    // MARK: - EventStore

    public func declare(_ draft: EventDraft, then follow: (IncidentState) throws -> [EventDraft]) throws -> [Event] {
        guard case .declared(let declaration) = draft.payload else { throw StoreError.notADeclaration }
        let draft = Self.normalized(draft)
        let prefix = declaration.isDrill ? "DRILL" : "INC"
        let (events, state) = try guarded {
            try pool.write { db -> ([Event], IncidentState?) in
                let number = try Int64.fetchOne(
                    db, sql: "SELECT COALESCE(MAX(number), 0) + 1 FROM incidents WHERE is_drill = ?",
                    arguments: [declaration.isDrill]) ?? 1
                let incident = "\(prefix)-\(number)"
                let id = try Self.insert(draft, into: incident, clientID: nil, db)
                try db.execute(
                    sql: "INSERT INTO incidents (id, number, is_drill, declared_event) VALUES (?, ?, ?, ?)",
                    arguments: [incident, number, declaration.isDrill, id])
                var events = [draft.event(id: id, incident: incident)]
                guard var state = IncidentState(declaration: events[0]) else { return (events, nil) }
                // A follow-up that throws rolls the declaration back with it: all or nothing.
                for next in try follow(state).map(Self.normalized) {
                    let event = next.event(id: try Self.insert(next, into: incident, clientID: nil, db), incident: incident)
                    state.apply(event)
                    events.append(event)
                }
                return (events, state)
            }
        }
        if let state { remember(state) }
        return events
    }

    /// Appends a declaration alone as a new incident and returns it once durably committed.
    public func declare(_ draft: EventDraft) throws -> Event {
        try declare(draft, then: { _ in [] })[0]
    }

    public func append(to incident: IncidentID, _ decide: (IncidentState) throws -> [EventDraft]) throws -> [Event] {
        try append(to: incident, clientID: nil, decide)
    }

    public func append(to incident: IncidentID, clientID: String, _ decide: (IncidentState) throws -> [EventDraft]) throws
        -> [Event]
    {
        try append(to: incident, clientID: Optional(clientID), decide)
    }

    private func append(to incident: IncidentID, clientID: String?, _ decide: (IncidentState) throws -> [EventDraft]) throws
        -> [Event]
    {
        // Fold, decide and insert in one IMMEDIATE transaction: no other process can append in between.
        try guarded {
            try pool.write { db -> [Event] in
                // Taken out of the cache so that applying the new events does not copy a 100,000-id set.
                var state = try self.currentState(of: incident, db, taking: true)
                if let clientID, try Self.holds(clientID: clientID, db) {
                    remember(state)
                    return []
                }
                let drafts: [EventDraft]
                do {
                    drafts = try decide(state).map(Self.normalized)
                } catch {
                    remember(state)
                    throw error
                }
                var events: [Event] = []
                events.reserveCapacity(drafts.count)
                for (index, draft) in drafts.enumerated() {
                    let id = try Self.insert(draft, into: incident, clientID: index == 0 ? clientID : nil, db)
                    let event = draft.event(id: id, incident: incident)
                    state.apply(event)
                    events.append(event)
                }
                // Cached only once committed, and before the next write starts; if the commit fails the
                // incident is simply folded afresh next time.
                db.afterNextTransaction { [state] _ in self.remember(state) }
                return events
            }
        }
    }

    public func events(of incident: IncidentID) throws -> [Event] {
        try guarded {
            try pool.read { db in
                guard try Self.exists(incident, db) else { throw StoreError.unknownIncident(incident) }
                var events: [Event] = []
                try Self.forEachEvent(db, sql: Self.selectIncidentEvents, arguments: [incident, 0]) { events.append($0) }
                return events
            }
        }
    }

    /// Ids follow commit order here (one writer at a time), so the cursor's horizon is simply the last id returned.
    public func events(after cursor: LogCursor, limit: Int) throws -> LogPage {
        let events = try events(after: cursor.horizon, limit: limit)
        return LogPage(
            events: events, cursor: LogCursor(horizon: events.last?.id ?? cursor.horizon),
            hasMore: limit > 0 && events.count == limit)
    }

    /// Events of every incident appended after `id`, in log order, at most `limit` of them.
    public func events(after id: EventID, limit: Int) throws -> [Event] {
        guard limit > 0 else { return [] }
        return try guarded {
            try pool.read { db in
                var events: [Event] = []
                try Self.forEachEvent(
                    db, sql: "SELECT \(Self.eventColumns) FROM events WHERE id > ? ORDER BY id LIMIT ?",
                    arguments: [id, limit]) { events.append($0) }
                return events
            }
        }
    }

    public func incidents() throws -> [IncidentState] {
        let states = try guarded {
            try pool.read { db in
                let ids = try String.fetchAll(db, sql: "SELECT id FROM incidents ORDER BY declared_event")
                return try ids.map { try self.currentState(of: $0, db) }
            }
        }
        for state in states { remember(state) }
        return states
    }

    public func lastEventID() throws -> EventID {
        try guarded {
            try pool.read { db in try EventID.fetchOne(db, sql: "SELECT MAX(id) FROM events") ?? 0 }
        }
    }

    public func describe() throws -> StoreDescription {
        let start = ContinuousClock.now
        let version = try read { db in try String.fetchOne(db, sql: "SELECT sqlite_version()") ?? "?" }
        let roundTrip = ContinuousClock.now - start
        return StoreDescription(
            kind: "SQLite", location: path, serverVersion: version, schemaVersion: Self.schemaVersion,
            workspace: URL(fileURLWithPath: path).deletingLastPathComponent().deletingLastPathComponent().path,
            roundTrip: roundTrip)
    }

    /// Other processes' appends are found by polling: SQLite has no way to push them.
    public func changeSignals() -> AsyncStream<Void>? { nil }

    /// GRDB closes the file when the store is released.
    public func close() {}

    /// The number of migrations this build knows; `describe` reports it.
    static let schemaVersion = 3

    /// A PRAGMA's value on the writer connection, for tests.
    func writerPragma(_ name: String) throws -> String? {
        try pool.writeWithoutTransaction { try String.fetchOne($0, sql: "PRAGMA \(name)") }
    }

    // MARK: - Transactions beside the log (the outbox, Outbox.swift)

    /// One IMMEDIATE write transaction, committed (synchronous FULL) before it returns.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        try guarded { try pool.write(body) }
    }

    /// A read from a consistent snapshot.
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        try guarded { try pool.read(body) }
    }

    /// Inside `db`'s write transaction: `body` gets the incident's current state and an `append` that inserts an
    /// event and folds it, so an entry can name an event inserted just before it in the same transaction.
    func withIncident<T>(
        _ incident: IncidentID, _ db: Database, _ body: (IncidentState, (EventDraft) throws -> Event) throws -> T
    ) throws -> T {
        let initial = try currentState(of: incident, db, taking: true)
        var state = initial
        var inserted = false
        do {
            let result = try body(initial) { draft in
                let draft = Self.normalized(draft)
                let event = draft.event(id: try Self.insert(draft, into: incident, clientID: nil, db), incident: incident)
                inserted = true
                state.apply(event)
                return event
            }
            db.afterNextTransaction { [state] _ in self.remember(state) }
            return result
        } catch {
            // Inserted events roll back with the transaction: only an untouched fold may go back to the cache.
            if !inserted { remember(initial) }
            throw error
        }
    }

    // MARK: - Folding

    /// The incident as of `db`'s snapshot: the cached fold plus whatever was appended after it.
    /// `taking` removes it from the cache, for a writer that will extend it and put it back.
    private func currentState(of incident: IncidentID, _ db: Database, taking: Bool = false) throws -> IncidentState {
        var state: IncidentState
        if let cached = cache.withLock({ taking ? $0.removeValue(forKey: incident) : $0[incident] }) {
            state = cached
        } else {
            guard try Self.exists(incident, db) else { throw StoreError.unknownIncident(incident) }
            var first: IncidentState?
            try Self.forEachEvent(db, sql: Self.selectIncidentEvents + " LIMIT 1", arguments: [incident, 0]) {
                first = IncidentState(declaration: $0)
            }
            guard let first else {
                throw StoreError.damaged("\(incident) does not start with its declaration")
            }
            state = first
        }
        try Self.forEachEvent(db, sql: Self.selectIncidentEvents, arguments: [incident, state.lastEventID]) {
            state.apply($0)
        }
        return state
    }

    /// Keeps the most advanced fold: concurrent calls may finish out of order.
    private func remember(_ state: IncidentState) {
        cache.withLock { cache in
            if let known = cache[state.id], known.lastEventID >= state.lastEventID { return }
            cache[state.id] = state
        }
    }

    // MARK: - Rows

    private static let eventColumns =
        "id, incident, kind, occurred_at, recorded_at, actor, text, value, prior, reason, ref, extra"
    private static let selectIncidentEvents =
        "SELECT \(eventColumns) FROM events WHERE incident = ? AND id > ? ORDER BY id"

    private static func exists(_ incident: IncidentID, _ db: Database) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM incidents WHERE id = ?)", arguments: [incident]) ?? false
    }

    private static func holds(clientID: String, _ db: Database) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM events WHERE client_id = ?)", arguments: [clientID]) ?? false
    }

    private static func insert(_ draft: EventDraft, into incident: IncidentID, clientID: String?, _ db: Database) throws
        -> EventID
    {
        let c = draft.payload.columns
        let statement = try db.cachedStatement(sql: """
            INSERT INTO events (incident, kind, occurred_at, recorded_at, actor, text, value, prior, reason, ref, extra,
                                client_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        try statement.execute(arguments: [
            incident, c.kind, milliseconds(draft.occurredAt), milliseconds(draft.recordedAt), draft.actor,
            c.text, c.value, c.prior, c.reason, c.ref, c.extra, clientID,
        ])
        return db.lastInsertedRowID
    }

    /// Streams rows without materialising them: folding 100,000 events allocates no row objects.
    private static func forEachEvent(
        _ db: Database, sql: String, arguments: StatementArguments, _ body: (Event) throws -> Void
    ) throws {
        let rows = try Row.fetchCursor(try db.cachedStatement(sql: sql), arguments: arguments)
        while let row = try rows.next() { try body(try event(from: row)) }
    }

    private static func event(from row: Row) throws -> Event {
        let id: Int64? = try? row.decode(atIndex: 0)
        do {
            let columns = EventColumns(
                kind: try row.decode(atIndex: 2), text: try row.decode(atIndex: 6), value: try row.decode(atIndex: 7),
                prior: try row.decode(atIndex: 8), reason: try row.decode(atIndex: 9), ref: try row.decode(atIndex: 10),
                extra: try row.decode(atIndex: 11))
            return Event(
                id: try row.decode(atIndex: 0), incident: try row.decode(atIndex: 1),
                occurredAt: date(try row.decode(atIndex: 3)), recordedAt: date(try row.decode(atIndex: 4)),
                actor: try row.decode(atIndex: 5), payload: try EventPayload(columns: columns))
        } catch let error as EventDecodingError {
            throw StoreError.damaged("event #\(id.map(String.init) ?? "?"): \(error)")
        } catch let error as RowDecodingError {
            throw StoreError.damaged("event #\(id.map(String.init) ?? "?") has a missing or malformed column: \(error)")
        }
    }

    /// Times are stored as whole milliseconds; the returned events carry exactly what a later read will.
    private static func normalized(_ draft: EventDraft) -> EventDraft {
        var draft = draft
        draft.occurredAt = date(milliseconds(draft.occurredAt))
        draft.recordedAt = date(milliseconds(draft.recordedAt))
        return draft
    }

    private static func milliseconds(_ date: Date) -> Int64 {
        // Down, never up: a stored time must not move after a later reading of the same clock, or the
        // next change typed within the millisecond would look out of order.
        Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }

    private static func date(_ milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }

    // MARK: - Errors

    /// Reports a file that is not a usable database as damage rather than as an SQLite code.
    private func guarded<T>(_ body: () throws -> T) throws -> T {
        try Self.guarded(path, body)
    }

    private static func guarded<T>(_ path: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError where isDamage(error) {
            throw StoreError.damaged("\(path): \(error.message ?? "\(error)")")
        } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY {
            throw StoreError.busy("another Warroom process held the store in \(URL(fileURLWithPath: path).deletingLastPathComponent().deletingLastPathComponent().path) too long; nothing was recorded (store.lock_timeout in warroom.yaml sets how long to wait)")
        }
    }

    /// How often a waiting writer tries the lock again.
    private static let busyPause: useconds_t = 10_000

    /// SQLite calls this while the lock is taken, with how many times it called before in this wait: pausing
    /// `busyPause` each time makes the count a clock, so no state is kept between connections.
    private static func busyHandler(lockTimeout: Duration, onLockWait: (@Sendable () -> Void)?) -> Database.BusyCallback {
        let pause = Double(busyPause) / 1_000_000
        let warnAfter = Int32(2 / pause)
        let giveUpAfter = Int32(min(Double(Int32.max - 1), lockTimeout.seconds / pause))
        return { tries in
            if tries == warnAfter { onLockWait?() }
            guard tries < giveUpAfter else { return false }
            usleep(busyPause)
            return true
        }
    }

    private static func isDamage(_ error: DatabaseError) -> Bool {
        [.SQLITE_CORRUPT, .SQLITE_NOTADB].contains(error.resultCode)
    }

    // MARK: - Opening

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE events (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    incident TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    occurred_at INTEGER NOT NULL,
                    recorded_at INTEGER NOT NULL,
                    actor TEXT NOT NULL,
                    text TEXT,
                    value TEXT,
                    prior TEXT,
                    reason TEXT,
                    ref INTEGER,
                    extra TEXT
                );
                CREATE INDEX events_by_incident ON events (incident, id);
                CREATE TABLE incidents (
                    id TEXT PRIMARY KEY NOT NULL,
                    number INTEGER NOT NULL,
                    is_drill INTEGER NOT NULL,
                    declared_event INTEGER NOT NULL UNIQUE REFERENCES events (id),
                    UNIQUE (is_drill, number)
                );
                CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
                BEGIN SELECT RAISE(ABORT, 'the event log is append-only: events cannot be changed'); END;
                CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
                BEGIN SELECT RAISE(ABORT, 'the event log is append-only: events cannot be deleted'); END;
                CREATE TRIGGER incidents_append_only_update BEFORE UPDATE ON incidents
                BEGIN SELECT RAISE(ABORT, 'incident ids are permanent: incidents cannot be changed'); END;
                CREATE TRIGGER incidents_append_only_delete BEFORE DELETE ON incidents
                BEGIN SELECT RAISE(ABORT, 'incident ids are permanent: incidents cannot be deleted'); END;
                """)
        }
        migrator.registerMigration("v2", migrate: SQLiteEventStore.createOutbox)
        migrator.registerMigration("v3") { db in
            // Entries made while a team store was out of reach carry the id their client gave them.
            try db.execute(sql: """
                ALTER TABLE events ADD COLUMN client_id TEXT;
                CREATE UNIQUE INDEX events_by_client_id ON events (client_id) WHERE client_id IS NOT NULL;
                """)
            try SQLiteEventStore.createOutboxWorkers(db)
        }
        return migrator
    }

    /// GRDB's migrator decides what to run before its transaction starts, so two processes creating the
    /// same new workspace can both try "v1"; the loser's transaction rolls back and it finds the schema done.
    private static func migrate(_ pool: DatabasePool) throws {
        let migrator = Self.migrator
        var attempt = 0
        while true {
            do {
                try migrator.migrate(pool)
                return
            } catch {
                attempt += 1
                if try pool.read({ try migrator.hasCompletedMigrations($0) }) { return }
                if attempt >= 5 { throw error }
            }
        }
    }

    /// Switching a brand-new file to WAL needs a moment of exclusive access, which a concurrent opener can hold.
    private static func retryingBusy<T>(_ body: () throws -> T) throws -> T {
        var attempt = 0
        while true {
            do {
                return try body()
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY && attempt < 20 {
                attempt += 1
                usleep(50_000)
            }
        }
    }

    private static func makePrivate(_ path: String) {
        var info = stat()
        if stat(path, &info) == 0, info.st_mode & 0o777 != 0o600 { _ = chmod(path, 0o600) }
    }
}

/// Creates the file with mode 0600 whatever the umask, before SQLite would create it world-readable.
/// A failure here is left for SQLite to report when it opens the file.
private func createPrivately(_ path: String) {
    let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
    guard fd >= 0 else { return }
    _ = fchmod(fd, 0o600)
    close(fd)
}

/// A value behind a lock. `Mutex` would do, but it needs macOS 15 and the package supports macOS 14.
private final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
