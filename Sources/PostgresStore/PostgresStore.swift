import Foundation
import IncidentCore
import PostgresNIO

/// postgres-nio logs at debug and trace levels; a store has nothing to say on a terminal.
let quietLogger: Logger = {
    var logger = Logger(label: "warroom.postgres")
    logger.logLevel = .critical
    return logger
}()

/// The team store: a workspace's event log and outbox in a PostgreSQL database the whole team shares.
///
/// One work connection carries every query, one caller at a time; a console adds one LISTEN connection
/// (`open(_:listen: true)`). Appends to one incident are serialised by an advisory lock taken before any write, so
/// within an incident id order, transaction order and commit order agree; appends to different incidents commit in
/// parallel. An append waits for the server twice: for BEGIN with the lock and the read of what others appended
/// since the cached fold (`lockAndRead`), then for its INSERTs and the COMMIT; once more first when it has no fold
/// cached (`foldIfUncached`). The notification follows unawaited (Notifier). Followers read the log in transaction
/// order (PostgresStore+Log.swift).
public final class PostgresStore: WarroomStore {
    public let location: PostgresLocation
    let work: WorkConnection
    private let listener: ChangeListener?
    private let notifier: Notifier
    /// The clock a follower's bounded hold is measured with; tests drive it by hand.
    let clock: @Sendable () -> Date
    /// Each incident folded up to its `lastEventID`, so an append folds only what other writers added since.
    private let cache = Locked<[IncidentID: IncidentState]>([:])

    var workspace: String { location.workspace }

    /// Connects to the team store and checks its schema. `listen` (for a console) adds a connection that turns
    /// other writers' appends into `changeSignals()`; a command passes `false` and uses a single connection.
    public static func open(_ location: PostgresLocation, listen: Bool) async throws -> PostgresStore {
        try await open(location, listen: listen, clock: { Date() })
    }

    static func open(_ location: PostgresLocation, listen: Bool, clock: @escaping @Sendable () -> Date) async throws
        -> PostgresStore
    {
        let work = try WorkConnection(location.server, applicationName: "warroom", logger: quietLogger)
        do {
            let version = try await work.with { connection in
                try await Schema.checkServer(connection, location.server, logger: quietLogger)
                return try await Schema.installedVersion(connection, logger: quietLogger)
            }
            if version > Schema.version { throw tooNew(version) }
            if version < Schema.version {
                throw StoreError.unusable(
                    "the team store at \(location.redacted) has schema version \(version) (needs \(Schema.version)): "
                        + "run `warroom store init` with a role that may create tables")
            }
            let listener = listen
                ? try await ChangeListener.start(location.listener ?? location.server, workspace: location.workspace,
                                                 logger: quietLogger)
                : nil
            return PostgresStore(location: location, work: work, listener: listener, clock: clock)
        } catch {
            await work.close()
            throw error
        }
    }

    private init(location: PostgresLocation, work: WorkConnection, listener: ChangeListener?,
                 clock: @escaping @Sendable () -> Date) {
        self.location = location
        self.work = work
        self.listener = listener
        self.clock = clock
        notifier = Notifier(workspace: location.workspace, work: work)
    }

    // MARK: - EventStore

    public func declare(_ draft: EventDraft, then follow: (IncidentState) throws -> [EventDraft]) async throws -> [Event] {
        guard case .declared(let declaration) = draft.payload else { throw StoreError.notADeclaration }
        let draft = Self.normalized(draft)
        let prefix = declaration.isDrill ? "DRILL" : "INC"
        let (events, state) = try await write { connection -> ([Event], IncidentState?) in
            // The counter row's lock serialises declarations of a kind until commit; a declaration that rolls back
            // hands its number to the next, so numbers are never skipped or repeated.
            let number = try await connection.query("""
                INSERT INTO incident_numbers (workspace, is_drill, last) VALUES (\(workspace), \(declaration.isDrill), 1)
                ON CONFLICT (workspace, is_drill) DO UPDATE SET last = incident_numbers.last + 1
                RETURNING last
                """, logger: quietLogger).collect().first?.decode(Int64.self)
            guard let number else { throw StoreError.damaged("\(location.redacted): no incident number was given out") }
            let incident = "\(prefix)-\(number)"
            let id = try await insert(draft, into: incident, clientID: nil, connection)
            try await connection.query("""
                INSERT INTO incidents (workspace, id, number, is_drill, declared_event)
                VALUES (\(workspace), \(incident), \(number), \(declaration.isDrill), \(id))
                """, logger: quietLogger)
            var events = [draft.event(id: id, incident: incident)]
            guard var state = IncidentState(declaration: events[0]) else { return (events, nil) }
            // A follow-up that throws rolls the declaration back with it: all or nothing.
            for next in try follow(state).map(Self.normalized) {
                let event = next.event(id: try await insert(next, into: incident, clientID: nil, connection), incident: incident)
                state.apply(event)
                events.append(event)
            }
            return (events, state)
        } wrote: { _ in true }
        if let state { remember(state) }
        return events
    }

    public func append(to incident: IncidentID, _ decide: (IncidentState) throws -> [EventDraft]) async throws -> [Event] {
        try await append(to: incident, clientID: nil, decide)
    }

    public func append(to incident: IncidentID, clientID: String, _ decide: (IncidentState) throws -> [EventDraft]) async throws
        -> [Event]
    {
        try await append(to: incident, clientID: Optional(clientID), decide)
    }

    private func append(to incident: IncidentID, clientID: String?, _ decide: (IncidentState) throws -> [EventDraft]) async throws
        -> [Event]
    {
        try await foldIfUncached(incident)
        // One fold, extended in place by each step: a copy of it would cost the whole incident, set of ids and all.
        var state: IncidentState?
        let events = try await write {
            state = cache.withLock { $0.removeValue(forKey: incident) }
            var reads = [lockAndRead(incident, after: state)]
            if let clientID {
                reads.append("SELECT EXISTS (SELECT 1 FROM events WHERE workspace = \(workspace) AND client_id = \(clientID))")
            }
            return reads
        } decide: { answers -> WorkConnection.Writes<[Event]> in
            try Self.fold(answers[0].rows, into: &state, of: incident)
            if clientID != nil, try answers[1].rows.first?.decode(Bool.self) == true {
                return WorkConnection.Writes(statements: []) { _ in [] }
            }
            let drafts: [EventDraft]
            do {
                drafts = try decide(state!).map(Self.normalized)
            } catch {
                remember(state!)
                throw error
            }
            let inserts = drafts.enumerated().map { insertion($1, into: incident, clientID: $0 == 0 ? clientID : nil) }
            return WorkConnection.Writes(statements: inserts) { [self] answers in
                var events: [Event] = []
                for (draft, answer) in zip(drafts, answers) {
                    let event = draft.event(id: try insertedID(answer.rows), incident: incident)
                    state!.apply(event)
                    events.append(event)
                }
                return events
            }
        } wrote: { !$0.isEmpty }
        // Cached only once committed: if the commit fails, the incident is simply folded afresh next time.
        remember(state!)
        return events
    }

    public func events(of incident: IncidentID) async throws -> [Event] {
        try await work.with { connection in try await events(of: incident, connection) }
    }

    private func events(of incident: IncidentID, _ connection: PostgresConnection) async throws -> [Event] {
        var events: [Event] = []
        let rows = try await connection.query(
            "SELECT \(unescaped: Self.eventColumns) FROM events WHERE workspace = \(workspace) AND incident = \(incident) ORDER BY id",
            logger: quietLogger)
        for try await row in rows { events.append(try Self.event(row)) }
        // An incident's declaration is committed with its id, so an incident without events does not exist.
        guard !events.isEmpty else { throw StoreError.unknownIncident(incident) }
        return events
    }

    public func incidents() async throws -> [IncidentState] {
        let cached = cache.withLock { $0 }
        let states = try await work.with { connection in
            let ids = try await connection.query(
                "SELECT id FROM incidents WHERE workspace = \(workspace) ORDER BY declared_event", logger: quietLogger
            ).collect().map { try $0.decode(String.self) }
            // One query for every incident: what each gained since its cached fold (everything, if none), each
            // incident read through its own index range (OFFSET 0 keeps the planner from merging the subquery into
            // a join, which reads the whole table), so a console's repeated call reads only what is new. Not ordered
            // by the server, which would sort a long incident on disk before sending a row: folded as the rows come,
            // nearly always in id order, as they were written. An incident whose rows are not is folded afresh from
            // a read in order.
            let rows = try await connection.query("""
                SELECT e.* FROM incidents i
                LEFT JOIN unnest(\(Array(cached.keys))::text[], \(cached.values.map(\.lastEventID))::bigint[]) AS c (incident, last)
                    ON c.incident = i.id
                CROSS JOIN LATERAL (
                    SELECT \(unescaped: Self.eventColumns) FROM events
                    WHERE workspace = \(workspace) AND incident = i.id AND id > COALESCE(c.last, 0)
                    OFFSET 0
                ) e
                WHERE i.workspace = \(workspace)
                """, logger: quietLogger)
            var states = cached
            var disordered: Set<IncidentID> = []
            // The incident whose run of rows is being folded, out of `states` meanwhile: looking each row's state up
            // there would copy it, whole, every time.
            var folding: (incident: IncidentID, state: IncidentState?)?
            for try await row in rows {
                let event = try Self.event(row)
                if folding?.incident != event.incident {
                    if let folding { states[folding.incident] = folding.state }
                    folding = (event.incident, states.removeValue(forKey: event.incident))
                }
                if !disordered.isEmpty, disordered.contains(event.incident) { continue }
                let inOrder = if let last = folding!.state?.lastEventID {
                    event.id > last
                } else if case .declared = event.payload {
                    true
                } else {
                    false
                }
                if inOrder {
                    try Self.apply(event, to: &folding!.state)
                } else {
                    disordered.insert(event.incident)
                }
            }
            if let folding { states[folding.incident] = folding.state }
            for incident in disordered {
                states[incident] = nil
                for event in try await events(of: incident, connection) { try Self.apply(event, to: &states[incident]) }
            }
            // Incidents declared after the list was read are left for the next call.
            return try ids.map { id in
                guard let state = states[id] else { throw StoreError.damaged("\(id) has no declaration") }
                return state
            }
        }
        for state in states { remember(state) }
        return states
    }

    public func lastEventID() async throws -> EventID {
        try await work.with { connection in
            try await connection.query(
                "SELECT COALESCE(MAX(id), 0) FROM events WHERE workspace = \(workspace)", logger: quietLogger
            ).collect().first?.decode(Int64.self) ?? 0
        }
    }

    // MARK: - WarroomStore

    public func describe() async throws -> StoreDescription {
        let (roundTrip, version, schema) = try await work.with { connection in
            let start = ContinuousClock.now
            _ = try await connection.query("SELECT 1", logger: quietLogger).collect()
            let roundTrip = ContinuousClock.now - start
            let version = try await connection.query("SHOW server_version", logger: quietLogger)
                .collect().first?.decode(String.self) ?? "?"
            return (roundTrip, version, try await Schema.installedVersion(connection, logger: quietLogger))
        }
        return StoreDescription(
            kind: "PostgreSQL", location: location.redacted, serverVersion: version, schemaVersion: schema,
            workspace: workspace, roundTrip: roundTrip)
    }

    /// One stream for the store's life, to be iterated by one task: like any `AsyncStream`, it ends when the task
    /// iterating it is cancelled.
    public func changeSignals() -> AsyncStream<Void>? { listener?.signals }

    public func close() async {
        // The last notification may still be queued on the work connection, which closing would throw away.
        await notifier.flush()
        await listener?.stop()
        await work.close()
    }

    // MARK: - Inside transactions

    /// Runs `body` in a transaction that may write to the log; once it has committed, and `wrote` says it did,
    /// other processes are told (Notifier).
    func write<T>(_ body: (PostgresConnection) async throws -> T, wrote: (T) -> Bool) async throws -> T {
        try await work.transaction(body) { result, connection in
            if wrote(result) { notifier.committed(on: connection) }
        }
    }

    /// A read-decide-write transaction in two exchanges (`WorkConnection.transaction(reading:_:committed:)`), told
    /// to other processes as `write(_:wrote:)` does.
    func write<T>(reading reads: () -> [PostgresQuery], decide: ([PostgresQueryResult]) throws -> WorkConnection.Writes<T>,
                  wrote: (T) -> Bool) async throws -> T {
        try await work.transaction(reading: reads, decide) { result, connection in
            if wrote(result) { notifier.committed(on: connection) }
        }
    }

    /// Serialises the transactions appending to `incident`. Taken before any write, so this transaction's id
    /// (assigned at its first write) is newer than that of every earlier append to the incident, and in a
    /// statement of its own, so the statements after it see everything committed before the lock was granted
    /// (a READ COMMITTED statement's snapshot is taken when the statement starts). The key is the one
    /// `warroom_lock_incident` takes (Schema.swift).
    func lock(_ incident: IncidentID, _ connection: PostgresConnection) async throws {
        try await connection.query(
            "SELECT pg_advisory_xact_lock(hashtextextended(\(workspace + "/" + incident), 0))", logger: quietLogger)
    }

    /// Takes `incident`'s lock (as `lock` does) and returns the incident as the transaction sees it: the cached fold
    /// plus whatever was appended after it. The fold leaves the cache, for the writer to extend and put back
    /// (`remember`).
    func lockedState(of incident: IncidentID, _ connection: PostgresConnection) async throws -> IncidentState {
        try await foldIfUncached(incident, connection)
        var state = cache.withLock { $0.removeValue(forKey: incident) }
        let rows = try await connection.query(lockAndRead(incident, after: state), logger: quietLogger).collect()
        try Self.fold(rows, into: &state, of: incident)
        return state!
    }

    /// Caches a fold of `incident` when there is none, read before its lock is taken: the read under the lock
    /// (`lockAndRead`) then has only what was appended since, and the function behind it returns its rows all at
    /// once, which for a long incident is much slower than this streamed read.
    func foldIfUncached(_ incident: IncidentID) async throws {
        guard cache.withLock({ $0[incident] }) == nil else { return }
        try await work.with { connection in try await foldIfUncached(incident, connection) }
    }

    /// `foldIfUncached(_:)` on a connection that is already this caller's, in a transaction.
    func foldIfUncached(_ incident: IncidentID, _ connection: PostgresConnection) async throws {
        guard cache.withLock({ $0[incident] }) == nil else { return }
        var state: IncidentState?
        for event in try await events(of: incident, connection) { try Self.apply(event, to: &state) }
        if let state { remember(state) }
    }

    /// Takes `incident`'s lock and reads its events after `cached` (all of them without it) in one round trip, the
    /// read begun once the lock is granted (`warroom_lock_incident`).
    func lockAndRead(_ incident: IncidentID, after cached: IncidentState?) -> PostgresQuery {
        "SELECT * FROM warroom_lock_incident(\(workspace), \(incident), \(cached?.lastEventID ?? 0))"
    }

    /// Extends `state` by `rows` of `eventColumns`, the incident's next events in id order; throws when that leaves
    /// no state, the incident having no events.
    static func fold(_ rows: [PostgresRow], into state: inout IncidentState?, of incident: IncidentID) throws {
        for row in rows { try apply(try event(row), to: &state) }
        if state == nil { throw StoreError.unknownIncident(incident) }
    }

    /// Extends a fold by the incident's next event; an incident's first must be its declaration.
    static func apply(_ event: Event, to state: inout IncidentState?) throws {
        if state != nil {
            state!.apply(event)
        } else if let first = IncidentState(declaration: event) {
            state = first
        } else {
            throw StoreError.damaged("\(event.incident) does not start with its declaration")
        }
    }

    /// Keeps the most advanced fold: concurrent calls may finish out of order.
    func remember(_ state: IncidentState) {
        cache.withLock { cache in
            if let known = cache[state.id], known.lastEventID >= state.lastEventID { return }
            cache[state.id] = state
        }
    }

    func insert(_ draft: EventDraft, into incident: IncidentID, clientID: String?, _ connection: PostgresConnection) async throws
        -> EventID
    {
        try insertedID(try await connection.query(insertion(draft, into: incident, clientID: clientID), logger: quietLogger).collect())
    }

    /// The INSERT of one event, answered with its id (`insertedID`).
    func insertion(_ draft: EventDraft, into incident: IncidentID, clientID: String?) -> PostgresQuery {
        let c = draft.payload.columns
        return """
            INSERT INTO events (workspace, incident, kind, occurred_at, recorded_at, actor, text, value, prior, reason, ref,
                                extra, client_id)
            VALUES (\(workspace), \(incident), \(c.kind), \(Self.milliseconds(draft.occurredAt)),
                    \(Self.milliseconds(draft.recordedAt)), \(draft.actor), \(c.text), \(c.value), \(c.prior), \(c.reason),
                    \(c.ref), \(c.extra), \(clientID))
            RETURNING id
            """
    }

    func insertedID(_ rows: [PostgresRow]) throws -> EventID {
        guard let id = try rows.first?.decode(Int64.self) else {
            throw StoreError.damaged("\(location.redacted): an inserted event got no id")
        }
        return id
    }

    // MARK: - Rows

    static let eventColumns = "id, incident, kind, occurred_at, recorded_at, actor, text, value, prior, reason, ref, extra"

    /// Decodes `eventColumns`, starting at column `first`.
    static func event(_ row: PostgresRow, first: Int = 0) throws -> Event {
        let cells = row.makeRandomAccess()
        let id = try? cells[first].decode(Int64.self)
        do {
            let columns = EventColumns(
                kind: try cells[first + 2].decode(String.self), text: try cells[first + 6].decode(String?.self),
                value: try cells[first + 7].decode(String?.self), prior: try cells[first + 8].decode(String?.self),
                reason: try cells[first + 9].decode(String?.self), ref: try cells[first + 10].decode(Int64?.self),
                extra: try cells[first + 11].decode(String?.self))
            return Event(
                id: try cells[first].decode(Int64.self), incident: try cells[first + 1].decode(String.self),
                occurredAt: date(try cells[first + 3].decode(Int64.self)), recordedAt: date(try cells[first + 4].decode(Int64.self)),
                actor: try cells[first + 5].decode(String.self), payload: try EventPayload(columns: columns))
        } catch let error as EventDecodingError {
            throw StoreError.damaged("event #\(id.map(String.init) ?? "?"): \(error)")
        } catch let error as PostgresDecodingError {
            throw StoreError.damaged("event #\(id.map(String.init) ?? "?") has a missing or malformed \(error.columnName)")
        }
    }

    /// Times are stored as whole milliseconds; the returned events carry exactly what a later read will.
    static func normalized(_ draft: EventDraft) -> EventDraft {
        var draft = draft
        draft.occurredAt = date(milliseconds(draft.occurredAt))
        draft.recordedAt = date(milliseconds(draft.recordedAt))
        return draft
    }

    /// Down, never up, as the SQLite store does: a stored time must not move after a later reading of the same
    /// clock, or the next change typed within the millisecond would look out of order.
    static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }

    static func date(_ milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }
}

